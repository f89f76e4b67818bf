//! The figures of one run and the table they are printed in.

use std::time::Duration;

use crate::Backend;
use crate::load::Outcome;
use crate::server::{ServerCounters, ThreadCpu};

/// What one backend measured.
pub(crate) struct Figures {
    backend: Backend,
    clients: usize,
    archived_before: usize,
    documents: usize,
    wall: Duration,
    latencies: Vec<Duration>,
    errors: usize,
    peak_rss_kib: u64,
    server_cpu_seconds: f64,
    bench_cpu_seconds: f64,
    /// What the server counted over the timed phase.
    counters: ServerCounters,
    /// The server's CPU over the timed phase by thread.
    threads: ThreadCpu,
    pub(crate) first_error: Option<String>,
}

impl Figures {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        backend: Backend,
        clients: usize,
        archived_before: usize,
        documents: usize,
        outcome: Outcome,
        peak_rss_kib: u64,
        server_cpu_seconds: f64,
        bench_cpu_seconds: f64,
        counters: ServerCounters,
        threads: ThreadCpu,
    ) -> Figures {
        let mut latencies = outcome.latencies;
        latencies.sort_unstable();
        Figures {
            backend,
            clients,
            archived_before,
            documents,
            wall: outcome.wall,
            latencies,
            errors: outcome.errors,
            peak_rss_kib,
            server_cpu_seconds,
            bench_cpu_seconds,
            counters,
            threads,
            first_error: outcome.first_error,
        }
    }

    /// Requests that did not end in 201 Created.
    pub(crate) fn errors(&self) -> usize {
        self.errors
    }

    /// Nearest-rank percentile of the successful requests' latencies, in milliseconds.
    fn percentile_ms(&self, percent: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let rank = (percent / 100.0 * self.latencies.len() as f64).ceil() as usize;
        let index = rank.clamp(1, self.latencies.len()) - 1;
        millis(self.latencies[index])
    }

    fn max_ms(&self) -> f64 {
        self.latencies.last().map_or(f64::NAN, |max| millis(*max))
    }

    fn per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.wall.as_secs_f64()
    }

    /// CPU used over the timed phase as a percentage of one core.
    /// The share of the timed phase the archive writer spent in transactions: near 100 % it is what
    /// limits the rate.
    fn writer_busy_percent(&self) -> f64 {
        self.counters.writer_seconds / self.wall.as_secs_f64() * 100.0
    }

    /// The archive writer's time per document it archived, in milliseconds.
    fn writer_ms_per_document(&self) -> f64 {
        self.counters.writer_seconds / self.counters.batched * 1000.0
    }

    /// Documents per archive transaction.
    fn documents_per_batch(&self) -> f64 {
        self.counters.batched / self.counters.batches
    }

    /// `seconds` of CPU per document posted, in microseconds.
    fn micros_per_document(&self, seconds: f64) -> f64 {
        seconds / self.documents as f64 * 1e6
    }

    /// The rules' time per received document, in milliseconds.
    fn validation_ms_per_document(&self) -> f64 {
        self.counters.validation_seconds / self.counters.validations * 1000.0
    }

    fn cpu_percent(&self, seconds: f64) -> f64 {
        100.0 * seconds / self.wall.as_secs_f64()
    }
}

fn ms(value: f64) -> String {
    if value.is_nan() {
        "-".to_owned()
    } else {
        format!("{value:.1}")
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

const HEADERS: [&str; 19] = [
    "backend",
    "clients",
    "archived before",
    "documents",
    "wall s",
    "docs/s",
    "vs first",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "peak RSS MiB",
    "errors",
    "server CPU %",
    "bench CPU %",
    "writer busy %",
    "writer ms/doc",
    "docs/batch",
    "rules ms/doc",
];

/// A plain-text table, one row per run. CPU percentages are of one core over the timed phase; "vs first"
/// is the rate against the first row of the same backend (the smallest archive). The last four columns
/// come from the server's own metrics over the timed phase: the share of it the archive writer (one
/// transaction at a time) was busy, its time per document and documents per transaction, and the rules'
/// time per document (on a blocking thread, beside the writer).
pub(crate) fn table(rows: &[Figures]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|f| {
            let first = rows
                .iter()
                .find(|r| r.backend == f.backend)
                .map_or(f.per_second(), Figures::per_second);
            vec![
                f.backend.name().to_owned(),
                f.clients.to_string(),
                f.archived_before.to_string(),
                f.documents.to_string(),
                format!("{:.2}", f.wall.as_secs_f64()),
                format!("{:.0}", f.per_second()),
                format!("{:.2}", f.per_second() / first),
                ms(f.percentile_ms(50.0)),
                ms(f.percentile_ms(90.0)),
                ms(f.percentile_ms(99.0)),
                ms(f.max_ms()),
                format!("{:.1}", f.peak_rss_kib as f64 / 1024.0),
                f.errors.to_string(),
                format!("{:.0}", f.cpu_percent(f.server_cpu_seconds)),
                format!("{:.0}", f.cpu_percent(f.bench_cpu_seconds)),
                format!("{:.0}", f.writer_busy_percent()),
                format!("{:.2}", f.writer_ms_per_document()),
                format!("{:.1}", f.documents_per_batch()),
                format!("{:.2}", f.validation_ms_per_document()),
            ]
        })
        .collect();
    render(&HEADERS, &cells)
}

/// Server CPU per document posted over the timed phase, in microseconds, by what its threads do (read from
/// `/proc/PID/task`): the async runtime's threads (HTTP, reading, validation, compression), the busiest
/// SQLite connection (the archive writer's), the other SQLite connections (reads, checkpoints), the archive
/// writer's own threads, and the rest. On PostgreSQL the database's own processes are not counted.
pub(crate) fn thread_table(rows: &[Figures]) -> String {
    const THREAD_HEADERS: [&str; 8] = [
        "backend",
        "archived before",
        "runtime µs/doc",
        "busiest SQLite connection µs/doc",
        "other SQLite connections µs/doc",
        "archive writer µs/doc",
        "other µs/doc",
        "server µs/doc",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|f| {
            let t = f.threads;
            let all = t.runtime + t.busiest_sqlite + t.other_sqlite + t.writer + t.other;
            let mut row = vec![f.backend.name().to_owned(), f.archived_before.to_string()];
            row.extend(
                [
                    t.runtime,
                    t.busiest_sqlite,
                    t.other_sqlite,
                    t.writer,
                    t.other,
                    all,
                ]
                .map(|seconds| format!("{:.0}", f.micros_per_document(seconds))),
            );
            row
        })
        .collect();
    render(&THREAD_HEADERS, &cells)
}

/// `cells` under `headers`, columns padded to their widest cell, the first left-aligned.
fn render(headers: &[&str], cells: &[Vec<String>]) -> String {
    let widths: Vec<usize> = headers
        .iter()
        .enumerate()
        .map(|(column, header)| {
            cells
                .iter()
                .map(|row| row[column].chars().count())
                .chain([header.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |row: &[String]| -> String {
        row.iter()
            .zip(&widths)
            .enumerate()
            .map(|(column, (cell, width))| {
                if column == 0 {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let headers: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    let separator: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    let mut out = vec![line(&headers), line(&separator).replace(' ', "-")];
    out.extend(cells.iter().map(|row| line(row)));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(latencies_ms: &[u64]) -> Figures {
        Figures::new(
            Backend::Sqlite,
            1,
            0,
            latencies_ms.len(),
            Outcome {
                wall: Duration::from_secs(2),
                latencies: latencies_ms
                    .iter()
                    .map(|ms| Duration::from_millis(*ms))
                    .collect(),
                errors: 0,
                first_error: None,
            },
            2048,
            1.0,
            0.5,
            ServerCounters {
                writer_seconds: 1.5,
                batches: 2.0,
                batched: latencies_ms.len() as f64,
                validation_seconds: 0.003,
                validations: latencies_ms.len() as f64,
            },
            ThreadCpu {
                runtime: 0.1,
                busiest_sqlite: 0.05,
                other_sqlite: 0.01,
                writer: 0.02,
                other: 0.0,
            },
        )
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let f = figures(&(1..=100).rev().collect::<Vec<_>>());
        assert_eq!(f.percentile_ms(50.0), 50.0);
        assert_eq!(f.percentile_ms(99.0), 99.0);
        assert_eq!(f.max_ms(), 100.0);
        assert_eq!(f.per_second(), 50.0);
        assert_eq!(f.writer_busy_percent(), 75.0);
        assert_eq!(f.writer_ms_per_document(), 15.0);
        assert_eq!(f.documents_per_batch(), 50.0);
        assert!((f.validation_ms_per_document() - 0.03).abs() < 1e-12);
    }

    #[test]
    fn thread_cpu_is_grouped_by_what_the_threads_do_and_given_per_document() {
        let thread = |tid: u32, name: &str, seconds: f64| (tid, name.to_owned(), seconds);
        let earlier = crate::server::ThreadTimes(vec![
            thread(1, "cie-server", 0.5),
            thread(2, "tokio-rt-worker", 1.0),
            thread(3, "tokio-rt-worker", 2.0),
            thread(4, "sqlx-sqlite-wor", 1.0),
            thread(5, "sqlx-sqlite-wor", 0.5),
            thread(6, "archive-writer", 0.25),
            thread(7, "tokio-rt-worker", 9.0),
        ]);
        let later = crate::server::ThreadTimes(vec![
            thread(1, "cie-server", 0.5),
            thread(2, "tokio-rt-worker", 1.5),
            thread(3, "tokio-rt-worker", 2.25),
            thread(4, "sqlx-sqlite-wor", 1.125),
            thread(5, "sqlx-sqlite-wor", 1.0),
            thread(6, "archive-writer", 0.375),
            thread(8, "archive-syncer", 4.0),
        ]);
        let cpu = later.since(&earlier);
        assert_eq!(
            cpu,
            ThreadCpu {
                runtime: 0.75,
                busiest_sqlite: 0.5,
                other_sqlite: 0.125,
                writer: 0.125,
                other: 0.0,
            },
            "a thread not alive at both readings (7 ended, 8 began) is left out"
        );

        let table = thread_table(&[figures(&[1, 2, 3, 4])]);
        let row = table.lines().nth(2).unwrap();
        let cells: Vec<&str> = row.split(" | ").map(str::trim).collect();
        assert_eq!(
            cells,
            [
                "sqlite", "0", "25000", "12500", "2500", "5000", "0", "45000"
            ],
            "{table}"
        );
    }

    #[test]
    fn the_server_counters_are_read_from_the_exposition_and_subtracted() {
        let exposition = "# HELP cie_archive_batch_seconds Time the archive writer took per transaction.\n\
            # TYPE cie_archive_batch_seconds histogram\n\
            cie_archive_batch_seconds_bucket{le=\"0.005\"} 3\n\
            cie_archive_batch_seconds_sum 2.5\n\
            cie_archive_batch_seconds_count 4\n\
            cie_archive_batch_size_sum 20\n\
            cie_archive_batch_size_count 4\n\
            cie_validation_seconds_sum 0.75\n\
            cie_validation_seconds_count 20\n";
        let later = ServerCounters::from_exposition(exposition);
        assert_eq!(
            later,
            ServerCounters {
                writer_seconds: 2.5,
                batches: 4.0,
                batched: 20.0,
                validation_seconds: 0.75,
                validations: 20.0,
            }
        );
        let earlier = ServerCounters {
            writer_seconds: 0.5,
            batches: 1.0,
            batched: 4.0,
            validation_seconds: 0.25,
            validations: 4.0,
        };
        assert_eq!(
            later.since(earlier),
            ServerCounters {
                writer_seconds: 2.0,
                batches: 3.0,
                batched: 16.0,
                validation_seconds: 0.5,
                validations: 16.0,
            }
        );
        assert_eq!(
            ServerCounters::from_exposition("cie_other 1\n"),
            ServerCounters::default(),
            "a counter the exposition lacks reads as zero"
        );
    }

    #[test]
    fn the_table_has_a_header_a_rule_and_a_row_per_run() {
        let text = table(&[figures(&[1, 2, 3])]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("backend"));
        assert!(lines[2].starts_with("sqlite"));
    }
}
