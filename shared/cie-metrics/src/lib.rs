//! Metrics kept in memory with atomics (counters and histograms, with or without labels) and the
//! Prometheus text exposition format (version 0.0.4) they are scraped in. No IO: the server asks for the
//! text and answers `GET /metrics` with it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// A histogram with fixed bucket upper bounds; observations are counted in the first bucket they fit.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// One count per bound, plus the `+Inf` bucket; not cumulative (the exposition sums them).
    counts: Box<[AtomicU64]>,
    /// The sum of the observations, as the bits of an `f64`.
    sum_bits: AtomicU64,
}

/// Bucket bounds for durations in seconds, from half a millisecond to ten seconds.
pub const SECONDS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Bucket bounds for small counts (e.g. how many submissions one transaction commits).
pub const SIZES: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

impl Histogram {
    /// An empty histogram with these upper bounds (ascending).
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum_bits: AtomicU64::new(0f64.to_bits()),
        }
    }

    /// Counts one observation.
    pub fn observe(&self, value: f64) {
        let bucket = self
            .bounds
            .iter()
            .position(|&bound| value <= bound)
            .unwrap_or(self.bounds.len());
        self.counts[bucket].fetch_add(1, Ordering::Relaxed);
        let mut current = self.sum_bits.load(Ordering::Relaxed);
        loop {
            let next = (f64::from_bits(current) + value).to_bits();
            match self.sum_bits.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(actual) => current = actual,
            }
        }
    }

    /// The number of observations so far.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The sum of the observations so far.
    pub fn sum(&self) -> f64 {
        f64::from_bits(self.sum_bits.load(Ordering::Relaxed))
    }

    /// Cumulative counts per upper bound, `+Inf` last.
    fn cumulative(&self) -> Vec<(String, u64)> {
        let mut total = 0;
        let mut buckets = Vec::with_capacity(self.counts.len());
        for (index, count) in self.counts.iter().enumerate() {
            total += count.load(Ordering::Relaxed);
            let bound = match self.bounds.get(index) {
                Some(bound) => format_value(*bound),
                None => "+Inf".to_owned(),
            };
            buckets.push((bound, total));
        }
        buckets
    }
}

/// Values of a family's labels, in the order of its label names.
pub type LabelValues = Vec<String>;

/// A counter per combination of label values.
#[derive(Debug, Default)]
pub struct CounterFamily {
    values: Mutex<BTreeMap<LabelValues, u64>>,
}

impl CounterFamily {
    /// Adds `by` to the counter of these label values.
    pub fn add(&self, labels: &[&str], by: u64) {
        let key: LabelValues = labels.iter().map(|&l| l.to_owned()).collect();
        let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        *values.entry(key).or_insert(0) += by;
    }

    /// The counter of these label values (0 if never counted).
    pub fn get(&self, labels: &[&str]) -> u64 {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values
            .iter()
            .find(|(key, _)| key.iter().map(String::as_str).eq(labels.iter().copied()))
            .map_or(0, |(_, value)| *value)
    }

    fn snapshot(&self) -> Vec<(LabelValues, u64)> {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

/// A histogram per combination of label values, all with the same bounds.
#[derive(Debug)]
pub struct HistogramFamily {
    bounds: &'static [f64],
    values: Mutex<BTreeMap<LabelValues, std::sync::Arc<Histogram>>>,
}

impl HistogramFamily {
    /// An empty family whose histograms have these bounds.
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            values: Mutex::new(BTreeMap::new()),
        }
    }

    /// Counts one observation in the histogram of these label values.
    pub fn observe(&self, labels: &[&str], value: f64) {
        let histogram = {
            let mut values = self.values.lock().unwrap_or_else(|e| e.into_inner());
            let key: LabelValues = labels.iter().map(|&l| l.to_owned()).collect();
            values
                .entry(key)
                .or_insert_with(|| std::sync::Arc::new(Histogram::new(self.bounds)))
                .clone()
        };
        histogram.observe(value);
    }

    fn snapshot(&self) -> Vec<(LabelValues, std::sync::Arc<Histogram>)> {
        let values = self.values.lock().unwrap_or_else(|e| e.into_inner());
        values.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

/// The kind of a metric in the exposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Goes up and down.
    Gauge,
    /// Bucketed observations.
    Histogram,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// Builds the text of one scrape, metric after metric.
#[derive(Debug, Default)]
pub struct Exposition {
    text: String,
}

impl Exposition {
    /// An empty scrape.
    pub fn new() -> Self {
        Self::default()
    }

    fn header(&mut self, name: &str, help: &str, kind: Kind) {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {}", kind.name());
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: &str) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (index, (label, value)) in labels.iter().enumerate() {
                if index > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label(value));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    /// One value without labels.
    pub fn single(&mut self, name: &str, help: &str, kind: Kind, value: f64) {
        self.header(name, help, kind);
        self.sample(name, &[], &format_value(value));
    }

    /// One value per set of label values (`label_names` in the order of each set's values).
    pub fn labelled(
        &mut self,
        name: &str,
        help: &str,
        kind: Kind,
        label_names: &[&str],
        values: &[(LabelValues, f64)],
    ) {
        self.header(name, help, kind);
        for (label_values, value) in values {
            let labels: Vec<(&str, &str)> = label_names
                .iter()
                .copied()
                .zip(label_values.iter().map(String::as_str))
                .collect();
            self.sample(name, &labels, &format_value(*value));
        }
    }

    /// Every counter of a family.
    pub fn counters(
        &mut self,
        name: &str,
        help: &str,
        label_names: &[&str],
        family: &CounterFamily,
    ) {
        let values: Vec<(LabelValues, f64)> = family
            .snapshot()
            .into_iter()
            .map(|(labels, value)| (labels, value as f64))
            .collect();
        self.labelled(name, help, Kind::Counter, label_names, &values);
    }

    /// A histogram without labels.
    pub fn histogram(&mut self, name: &str, help: &str, histogram: &Histogram) {
        self.header(name, help, Kind::Histogram);
        self.histogram_samples(name, &[], histogram);
    }

    /// Every histogram of a family.
    pub fn histograms(
        &mut self,
        name: &str,
        help: &str,
        label_names: &[&str],
        family: &HistogramFamily,
    ) {
        self.header(name, help, Kind::Histogram);
        for (label_values, histogram) in family.snapshot() {
            let labels: Vec<(&str, &str)> = label_names
                .iter()
                .copied()
                .zip(label_values.iter().map(String::as_str))
                .collect();
            self.histogram_samples(name, &labels, &histogram);
        }
    }

    fn histogram_samples(&mut self, name: &str, labels: &[(&str, &str)], histogram: &Histogram) {
        let bucket_name = format!("{name}_bucket");
        for (bound, count) in histogram.cumulative() {
            let mut with_bound = labels.to_vec();
            with_bound.push(("le", &bound));
            self.sample(&bucket_name, &with_bound, &count.to_string());
        }
        self.sample(
            &format!("{name}_sum"),
            labels,
            &format_value(histogram.sum()),
        );
        self.sample(
            &format!("{name}_count"),
            labels,
            &histogram.count().to_string(),
        );
    }

    /// The text, as `GET /metrics` answers it (`text/plain; version=0.0.4`).
    pub fn finish(self) -> String {
        self.text
    }
}

/// The content type of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_owned()
    } else if value == f64::INFINITY {
        "+Inf".to_owned()
    } else if value == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        format!("{value}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_is_exposed_with_cumulative_buckets_its_sum_and_count() {
        let histogram = Histogram::new(&[1.0, 5.0]);
        for value in [0.5, 1.0, 3.0, 7.0] {
            histogram.observe(value);
        }
        let mut text = Exposition::new();
        text.histogram("batch_size", "Submissions per batch.", &histogram);
        assert_eq!(
            text.finish(),
            "# HELP batch_size Submissions per batch.\n# TYPE batch_size histogram\n\
             batch_size_bucket{le=\"1\"} 2\nbatch_size_bucket{le=\"5\"} 3\n\
             batch_size_bucket{le=\"+Inf\"} 4\nbatch_size_sum 11.5\nbatch_size_count 4\n"
        );
    }

    #[test]
    fn labelled_counters_add_up_per_label_set_and_escape_their_values() {
        let family = CounterFamily::default();
        family.add(&["invoice", "accepted"], 1);
        family.add(&["invoice", "accepted"], 2);
        family.add(&["order \"x\"\n", "refused"], 1);
        assert_eq!(family.get(&["invoice", "accepted"]), 3);
        assert_eq!(family.get(&["invoice", "refused"]), 0);
        let mut text = Exposition::new();
        text.counters("intake_total", "Documents.", &["kind", "outcome"], &family);
        let text = text.finish();
        assert!(text.contains("intake_total{kind=\"invoice\",outcome=\"accepted\"} 3\n"));
        assert!(text.contains("intake_total{kind=\"order \\\"x\\\"\\n\",outcome=\"refused\"} 1\n"));
        assert!(text.contains("# TYPE intake_total counter\n"));
    }

    #[test]
    fn histograms_of_a_family_are_kept_apart_by_their_labels() {
        let family = HistogramFamily::new(SECONDS);
        family.observe(&["GET", "/a"], 0.002);
        family.observe(&["GET", "/a"], 20.0);
        family.observe(&["POST", "/b"], 0.0001);
        let mut text = Exposition::new();
        text.histograms(
            "request_seconds",
            "Requests.",
            &["method", "route"],
            &family,
        );
        let text = text.finish();
        assert!(text.contains("request_seconds_count{method=\"GET\",route=\"/a\"} 2\n"));
        assert!(
            text.contains("request_seconds_bucket{method=\"GET\",route=\"/a\",le=\"0.0025\"} 1\n")
        );
        assert!(
            text.contains("request_seconds_bucket{method=\"GET\",route=\"/a\",le=\"+Inf\"} 2\n")
        );
        assert!(
            text.contains("request_seconds_bucket{method=\"POST\",route=\"/b\",le=\"0.0005\"} 1\n")
        );
    }

    #[test]
    fn gauges_print_whole_numbers_without_a_fraction() {
        let mut text = Exposition::new();
        text.single("queue_depth", "Waiting.", Kind::Gauge, 3.0);
        text.labelled(
            "open",
            "Open.",
            Kind::Gauge,
            &["tenant"],
            &[(vec!["a".into()], 2.5)],
        );
        assert_eq!(
            text.finish(),
            "# HELP queue_depth Waiting.\n# TYPE queue_depth gauge\nqueue_depth 3\n\
             # HELP open Open.\n# TYPE open gauge\nopen{tenant=\"a\"} 2.5\n"
        );
    }
}
