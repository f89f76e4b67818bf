//! Walks the read document against the content model: matches each element's children to its
//! sequence (order, minOccurs, maxOccurs), turns every problem into a [`Finding`], and resynchronises
//! after an error, choosing between "this element is out of place" and "its siblings are" by which
//! gives fewer findings. Subtrees of misplaced or unknown elements and of extension content are not
//! looked into.

use cie_domain::{Finding, Location, Severity};

use crate::document::{Document, Issue, NO_PARENT};
use crate::messages::{self, Expected, Message, Unknown};
use crate::model::{Content, ElemId, Model, Particle};
use crate::rules::{RULE_SET, SchemaRule};

/// At most this many findings are reported for one document: beyond that it is not worth reading,
/// and the work per finding (paths, look-ahead) stays bounded.
pub(crate) const MAX_FINDINGS: usize = 1000;

/// All findings for `document`, in document order.
pub(crate) fn validate(document: &Document<'_>, model: &Model) -> Vec<Finding> {
    let mut validator = Validator {
        document,
        model,
        findings: Vec::new(),
        scratch: Scratch::default(),
        accepted: Vec::new(),
    };
    let mut pending = vec![0u32];
    while let Some(node) = pending.pop() {
        if validator.findings.len() >= MAX_FINDINGS {
            break;
        }
        validator.node(node, &mut pending);
    }
    let mut findings = validator.findings;
    findings.sort_by_key(|(offset, _)| *offset);
    findings.truncate(MAX_FINDINGS);
    let mut lines = LineCounter {
        input: document.input.as_bytes(),
        offset: 0,
        line: 1,
        column: 1,
    };
    findings
        .into_iter()
        .map(|(offset, mut finding)| {
            (finding.location.line, finding.location.column) = lines.advance(offset);
            finding
        })
        .collect()
}

/// Line and column of increasing offsets, in one pass over the input.
struct LineCounter<'i> {
    input: &'i [u8],
    offset: usize,
    line: u32,
    column: u32,
}

impl LineCounter<'_> {
    /// 1-based line and column (in characters) of byte `offset`, not before the previous one.
    fn advance(&mut self, offset: usize) -> (u32, u32) {
        let end = offset.min(self.input.len());
        for &byte in self.input.get(self.offset..end).unwrap_or_default() {
            if byte == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if byte & 0b1100_0000 != 0b1000_0000 {
                self.column = self.column.saturating_add(1);
            }
        }
        self.offset = self.offset.max(end);
        (self.line, self.column)
    }
}

struct Validator<'d, 'i> {
    document: &'d Document<'i>,
    model: &'d Model,
    /// Findings with the byte offset they sort by.
    findings: Vec<(usize, Finding)>,
    scratch: Scratch,
    /// The children of the current parent accepted so far, with their particles.
    accepted: Vec<(u32, usize)>,
}

/// No particle, no child.
const NONE: usize = usize::MAX;

/// How many following siblings are looked at to decide whether an element jumped ahead.
const LOOKAHEAD: usize = 64;

/// What is known about the children of one parent before matching them; reused across parents.
#[derive(Default)]
struct Scratch {
    children: Vec<u32>,
    /// The particle of each child ([`NONE`] when unknown or not in the sequence).
    particle: Vec<usize>,
    /// The smallest particle of each child and those after it, with [`NONE`] at the end.
    suffix_min: Vec<usize>,
    /// The last child of each particle ([`NONE`] when none).
    last: Vec<usize>,
}

impl Scratch {
    fn fill(&mut self, document: &Document<'_>, parent: u32, particles: &[Particle]) {
        self.children.clear();
        self.children.extend(document.children(parent));
        self.particle.clear();
        self.last.clear();
        self.last.resize(particles.len(), NONE);
        let mut hint = 0;
        for (index, &child) in self.children.iter().enumerate() {
            let found = document.nodes[child as usize].elem().and_then(|elem| {
                let matches = |particle: &Particle| particle.element == elem;
                particles[hint..]
                    .iter()
                    .position(matches)
                    .map(|position| position + hint)
                    .or_else(|| particles[..hint].iter().position(matches))
            });
            if let Some(found) = found {
                hint = found;
                self.last[found] = index;
            }
            self.particle.push(found.unwrap_or(NONE));
        }
        self.suffix_min.clear();
        self.suffix_min.resize(self.particle.len() + 1, NONE);
        for index in (0..self.particle.len()).rev() {
            self.suffix_min[index] = self.particle[index].min(self.suffix_min[index + 1]);
        }
    }
}

/// Where matching stands in a sequence: at particle `position`, which matched `count` times.
#[derive(Clone, Copy)]
struct State {
    position: usize,
    count: u32,
}

impl Validator<'_, '_> {
    /// Checks one element known to be in its right place; pushes the children to check next.
    fn node(&mut self, node: u32, pending: &mut Vec<u32>) {
        let document = self.document;
        if document.nodes[node as usize].has_issues {
            let first = document.issues.partition_point(|(index, _)| *index < node);
            for (_, issue) in document.issues[first..]
                .iter()
                .take_while(|(index, _)| *index == node)
            {
                self.issue(node, issue);
            }
        }
        let Some(elem) = document.nodes[node as usize].elem() else {
            return;
        };
        match self.model.content(elem) {
            Content::Any => {}
            Content::Simple { .. } => {
                if let Some(child) = document.children(node).next() {
                    let message = messages::element_in_simple_content(
                        document.qname(child),
                        document.qname(node),
                    );
                    self.report(SchemaRule::ElementUnexpected, child, message);
                }
            }
            Content::Elements(particles) => self.sequence(node, particles, pending),
        }
    }

    fn sequence(&mut self, parent: u32, particles: &[Particle], pending: &mut Vec<u32>) {
        let document = self.document;
        let elem_of = |child: u32| document.nodes[child as usize].elem();
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.fill(document, parent, particles);
        let Scratch {
            children,
            particle,
            suffix_min,
            last,
        } = &scratch;
        let mut state = State {
            position: 0,
            count: 0,
        };
        let mut misplaced: Vec<ElemId> = Vec::new();
        let mut accepted = std::mem::take(&mut self.accepted);
        accepted.clear();
        let first_pending = pending.len();
        for (index, &child) in children.iter().enumerate() {
            if self.findings.len() >= MAX_FINDINGS {
                break;
            }
            let Some(elem) = elem_of(child) else {
                misplaced.extend(self.unexpected(parent, child, particles, state));
                continue;
            };
            let target = particle[index];
            if target == state.position && state.count < particles[target].max {
                state.count += 1;
                accepted.push((child, target));
                pending.push(child);
            } else if target > state.position && target != NONE {
                let skipped = unsatisfied(particles, state, target, &misplaced);
                let required_later: Vec<usize> = skipped
                    .iter()
                    .copied()
                    .filter(|&k| last[k] != NONE && last[k] > index)
                    .collect();
                let stranded = if suffix_min[index + 1] < target {
                    stranded(particles, &particle[index + 1..], state, target)
                } else {
                    Vec::new()
                };
                // Whichever reading of the mistake gives fewer findings: this element out of
                // place (one finding, plus the siblings a pending required element would block)
                // or the stranded siblings out of place (one each). Ties go the way libxml2 reads.
                let misplaced_here = if required_later.is_empty() {
                    stranded.len() >= 2
                } else {
                    blocked(&particle[index + 1..], &required_later) < stranded.len()
                };
                if misplaced_here {
                    if required_later.is_empty() {
                        self.too_early(child, &stranded);
                    } else {
                        self.unexpected(parent, child, particles, state);
                    }
                    misplaced.push(elem);
                    continue;
                }
                for k in skipped {
                    if !required_later.contains(&k) {
                        self.missing(parent, particles[k].element, Some(child));
                    }
                }
                state = State {
                    position: target,
                    count: 1,
                };
                accepted.push((child, target));
                pending.push(child);
            } else if target == state.position {
                let message = messages::element_too_many(
                    document.qname(child),
                    document.qname(parent),
                    particles[target].max,
                );
                self.report(SchemaRule::ElementTooMany, child, message);
            } else {
                match accepted
                    .iter()
                    .find(|&&(_, accepted_particle)| accepted_particle > target)
                {
                    Some(&(before, _)) => self.too_late(child, before),
                    None => {
                        self.unexpected(parent, child, particles, state);
                    }
                }
                misplaced.push(elem);
            }
        }
        if self.findings.len() < MAX_FINDINGS {
            for k in unsatisfied(particles, state, particles.len(), &misplaced) {
                self.missing(parent, particles[k].element, None);
            }
        }
        pending[first_pending..].reverse();
        self.scratch = scratch;
        self.accepted = accepted;
    }

    /// Reports `child` as placed before the elements `following` it that must precede it.
    fn too_early(&mut self, child: u32, following: &[ElemId]) {
        let model = self.model;
        let mut names: Vec<&str> = Vec::new();
        for &elem in following {
            let name = &*model.element(elem).display;
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let message = messages::element_too_early(self.document.qname(child), &names);
        self.report(SchemaRule::ElementUnexpected, child, message);
    }

    /// Reports `child` as placed after its earlier sibling `before`, which must follow it.
    fn too_late(&mut self, child: u32, before: u32) {
        let document = self.document;
        let message = messages::element_too_late(document.qname(child), document.qname(before));
        self.report(SchemaRule::ElementUnexpected, child, message);
    }

    /// Reports `child` as not allowed at `state`. Returns the element of the sequence an undeclared
    /// `child` stands in for (same local name, other namespace), so it is not also reported missing.
    fn unexpected(
        &mut self,
        parent: u32,
        child: u32,
        particles: &[Particle],
        state: State,
    ) -> Option<ElemId> {
        let document = self.document;
        let model = self.model;
        let name = document.qname(child);
        let stand_in = document.nodes[child as usize]
            .elem()
            .is_none()
            .then(|| {
                let local = document.local_name(child);
                particles
                    .iter()
                    .map(|particle| particle.element)
                    .find(|&elem| *model.element(elem).local == *local)
            })
            .flatten();
        let unknown = match (document.nodes[child as usize].elem(), stand_in) {
            (Some(_), _) => Unknown::No,
            (None, None) => Unknown::Undeclared,
            (None, Some(elem)) => Unknown::WrongNamespace {
                declared: &model.element(elem).display,
            },
        };
        let mut names = Vec::new();
        let mut end_allowed = true;
        if let Some(particle) = particles.get(state.position)
            && state.count < particle.max
        {
            names.push(&*model.element(particle.element).display);
        }
        if particles
            .get(state.position)
            .is_none_or(|particle| state.count >= particle.min)
        {
            for particle in particles.iter().skip(state.position + 1) {
                names.push(&*model.element(particle.element).display);
                if particle.min > 0 {
                    end_allowed = false;
                    break;
                }
            }
        } else {
            end_allowed = false;
        }
        let expected = Expected {
            names,
            end_allowed,
            parent: document.qname(parent),
        };
        let message = messages::element_unexpected(name, unknown, &expected);
        self.report(SchemaRule::ElementUnexpected, child, message);
        stand_in
    }

    /// Reports required `elem` as missing in `parent`, before `before` if given.
    fn missing(&mut self, parent: u32, elem: ElemId, before: Option<u32>) {
        let document = self.document;
        let message = messages::element_missing(
            &self.model.element(elem).display,
            document.qname(parent),
            before.map(|before| document.qname(before)),
        );
        self.report(SchemaRule::ElementMissing, parent, message);
    }

    fn issue(&mut self, node: u32, issue: &Issue) {
        let element = self.document.qname(node);
        let (rule, message) = match issue {
            Issue::AttributeMissing { name } => (
                SchemaRule::AttributeMissing,
                messages::attribute_missing(name, element),
            ),
            Issue::AttributeUnexpected { name } => (
                SchemaRule::AttributeUnexpected,
                messages::attribute_unexpected(name, element),
            ),
            Issue::AttributeValue {
                name,
                value,
                datatype,
            } => (
                SchemaRule::Datatype,
                messages::attribute_value_invalid(name, element, value, *datatype),
            ),
            Issue::Value { value, datatype } => (
                SchemaRule::Datatype,
                messages::value_invalid(element, value, *datatype),
            ),
            Issue::TextInElementContent { text } => (
                SchemaRule::Datatype,
                messages::text_in_element_content(element, text),
            ),
        };
        self.report(rule, node, message);
    }

    fn report(&mut self, rule: SchemaRule, node: u32, message: Message) {
        let offset = self.document.nodes[node as usize].offset();
        self.findings.push((
            offset,
            Finding {
                rule_id: rule.id().to_owned(),
                severity: Severity::Fatal,
                location: Location {
                    path: self.path(node),
                    line: 0,
                    column: 0,
                },
                message_ja: message.ja,
                message_en: message.en,
                rule_set: RULE_SET.to_owned(),
            },
        ));
    }

    /// `/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[2]`: prefixes as written, positions among the
    /// siblings of the same expanded name.
    fn path(&self, node: u32) -> String {
        let document = self.document;
        let mut steps = Vec::new();
        let mut current = node;
        loop {
            let parent = document.nodes[current as usize].parent;
            if parent == NO_PARENT {
                steps.push(document.qname(current).to_owned());
                break;
            }
            let same_name = |sibling: &u32| {
                document.nodes[*sibling as usize].namespace
                    == document.nodes[current as usize].namespace
                    && document.local_name(*sibling) == document.local_name(current)
            };
            let position = document
                .children(parent)
                .take_while(|&sibling| sibling != current)
                .filter(same_name)
                .count()
                + 1;
            steps.push(format!("{}[{position}]", document.qname(current)));
            current = parent;
        }
        steps.iter().rev().fold(String::new(), |mut path, step| {
            path.push('/');
            path.push_str(step);
            path
        })
    }
}

/// The elements of the siblings in `after` (within [`LOOKAHEAD`]) that belong between `state` and
/// `target`, so that jumping to `target` would leave each of them out of place.
fn stranded(particles: &[Particle], after: &[usize], state: State, target: usize) -> Vec<ElemId> {
    after
        .iter()
        .take(LOOKAHEAD)
        .filter(|&&k| {
            k < target
                && (k > state.position || (k == state.position && state.count < particles[k].max))
        })
        .map(|&k| particles[k].element)
        .collect()
}

/// How many of the siblings in `after` (within [`LOOKAHEAD`]) would be out of place if the
/// current element were left out: those before the first of the `required` particles that come
/// later, belonging after it.
fn blocked(after: &[usize], required: &[usize]) -> usize {
    let first_required = required.iter().copied().min().unwrap_or(NONE);
    let mut blocked = 0;
    for &k in after.iter().take(LOOKAHEAD) {
        if required.contains(&k) {
            return blocked;
        }
        if k != NONE && k > first_required {
            blocked += 1;
        }
    }
    LOOKAHEAD
}

/// The required particles before `target` (or before the end, when `target` is the length) that
/// `state` leaves unsatisfied and whose element was not already seen out of place.
fn unsatisfied(
    particles: &[Particle],
    state: State,
    target: usize,
    misplaced: &[ElemId],
) -> Vec<usize> {
    (state.position..target)
        .filter(|&k| {
            let seen = if k == state.position { state.count } else { 0 };
            seen < particles[k].min && !misplaced.contains(&particles[k].element)
        })
        .collect()
}
