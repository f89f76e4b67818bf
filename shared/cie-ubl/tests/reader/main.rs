//! The reader's test binary (one binary, modules per concern): the corpus, hostile input, namespaces.

mod corpus;
mod hostile;
mod namespaces;
