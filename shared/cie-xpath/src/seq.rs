//! The evaluator's sequence type: zero or one item is stored inline (most expressions yield at most one item),
//! more in a vector.

use std::ops::{Deref, DerefMut};

use crate::value::Item;

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) enum Seq {
    #[default]
    Empty,
    One(Item),
    Many(Vec<Item>),
}

impl Seq {
    pub(crate) fn new() -> Self {
        Seq::Empty
    }

    pub(crate) fn one(item: Item) -> Self {
        Seq::One(item)
    }

    pub(crate) fn push(&mut self, item: Item) {
        match std::mem::take(self) {
            Seq::Empty => *self = Seq::One(item),
            Seq::One(first) => *self = Seq::Many(vec![first, item]),
            Seq::Many(mut items) => {
                items.push(item);
                *self = Seq::Many(items);
            }
        }
    }

    pub(crate) fn as_slice(&self) -> &[Item] {
        self
    }

    pub(crate) fn into_vec(self) -> Vec<Item> {
        match self {
            Seq::Empty => Vec::new(),
            Seq::One(item) => vec![item],
            Seq::Many(items) => items,
        }
    }
}

impl From<Vec<Item>> for Seq {
    fn from(mut items: Vec<Item>) -> Self {
        match items.len() {
            0 => Seq::Empty,
            1 => Seq::One(items.remove(0)),
            _ => Seq::Many(items),
        }
    }
}

impl Deref for Seq {
    type Target = [Item];

    fn deref(&self) -> &[Item] {
        match self {
            Seq::Empty => &[],
            Seq::One(item) => std::slice::from_ref(item),
            Seq::Many(items) => items,
        }
    }
}

impl DerefMut for Seq {
    fn deref_mut(&mut self) -> &mut [Item] {
        match self {
            Seq::Empty => &mut [],
            Seq::One(item) => std::slice::from_mut(item),
            Seq::Many(items) => items,
        }
    }
}

impl FromIterator<Item> for Seq {
    fn from_iter<I: IntoIterator<Item = Item>>(iter: I) -> Self {
        let mut seq = Seq::new();
        seq.extend(iter);
        seq
    }
}

impl Extend<Item> for Seq {
    fn extend<I: IntoIterator<Item = Item>>(&mut self, iter: I) {
        let mut iter = iter.into_iter();
        if let Seq::Many(items) = self {
            items.extend(iter);
            return;
        }
        while let Some(item) = iter.next() {
            self.push(item);
            if let Seq::Many(items) = self {
                items.extend(iter);
                return;
            }
        }
    }
}

pub(crate) enum SeqIntoIter {
    One(std::option::IntoIter<Item>),
    Many(std::vec::IntoIter<Item>),
}

impl Iterator for SeqIntoIter {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        match self {
            SeqIntoIter::One(iter) => iter.next(),
            SeqIntoIter::Many(iter) => iter.next(),
        }
    }
}

impl IntoIterator for Seq {
    type Item = Item;
    type IntoIter = SeqIntoIter;

    fn into_iter(self) -> SeqIntoIter {
        match self {
            Seq::Empty => SeqIntoIter::One(None.into_iter()),
            Seq::One(item) => SeqIntoIter::One(Some(item).into_iter()),
            Seq::Many(items) => SeqIntoIter::Many(items.into_iter()),
        }
    }
}

impl<'s> IntoIterator for &'s Seq {
    type Item = &'s Item;
    type IntoIter = std::slice::Iter<'s, Item>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}
