//! The services' own histograms, from their `/metrics` (Prometheus text format): scraped before and
//! after a run, the difference says where the run's time went inside the services.

use serde::Serialize;
use std::collections::BTreeMap;

/// One histogram series: cumulative bucket counts by upper bound, sum and count.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Histogram {
    /// (upper bound in seconds, cumulative count), ascending; `+Inf` last.
    pub buckets: Vec<(f64, f64)>,
    pub sum: f64,
    pub count: f64,
}

/// Histograms by (metric name, labels other than `le`, as written).
pub type Histograms = BTreeMap<(String, String), Histogram>;

/// What one histogram saw during the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ServerSeries {
    pub metric: String,
    pub labels: String,
    pub count: u64,
    pub mean_ms: f64,
    /// Estimated the way PromQL's `histogram_quantile` does: linear within the bucket.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The cumulative counts by bucket upper bound (ms), for the record.
    pub buckets_ms: Vec<(f64, u64)>,
}

/// Parses the histograms (`*_bucket`, `*_sum`, `*_count`) whose name starts with `prefix`.
pub fn parse(text: &str, prefix: &str) -> Histograms {
    let mut out = Histograms::new();
    for line in text.lines() {
        if line.starts_with('#') || !line.starts_with(prefix) {
            continue;
        }
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let mut le = None;
        let others: Vec<&str> = split_labels(labels)
            .into_iter()
            .filter(|label| match label.strip_prefix("le=") {
                Some(bound) => {
                    le = Some(bound.trim_matches('"'));
                    false
                }
                None => true,
            })
            .collect();
        let labels = others.join(",");
        if let Some(base) = name.strip_suffix("_bucket") {
            let Some(bound) = le.and_then(parse_bound) else {
                continue;
            };
            let h = out.entry((base.to_owned(), labels)).or_default();
            h.buckets.push((bound, value));
        } else if let Some(base) = name.strip_suffix("_sum") {
            out.entry((base.to_owned(), labels)).or_default().sum = value;
        } else if let Some(base) = name.strip_suffix("_count") {
            out.entry((base.to_owned(), labels)).or_default().count = value;
        }
    }
    out.retain(|_, h| !h.buckets.is_empty());
    for h in out.values_mut() {
        h.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

fn parse_bound(text: &str) -> Option<f64> {
    match text {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        other => other.parse().ok(),
    }
}

/// Splits `a="x",b="y,z"` at the commas outside quotes.
fn split_labels(labels: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in labels.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&labels[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&labels[start..]);
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

/// Adds `more` into `into` (several processes' scrapes of one run).
pub fn merge(into: &mut Histograms, more: Histograms) {
    for (key, h) in more {
        match into.get_mut(&key) {
            None => {
                into.insert(key, h);
            }
            Some(existing) => {
                existing.sum += h.sum;
                existing.count += h.count;
                for (bound, count) in h.buckets {
                    match existing.buckets.iter_mut().find(|(b, _)| *b == bound) {
                        Some((_, c)) => *c += count,
                        None => existing.buckets.push((bound, count)),
                    }
                }
                existing.buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            }
        }
    }
}

/// What happened between two scrapes, per series that moved.
pub fn delta(before: &Histograms, after: &Histograms) -> Vec<ServerSeries> {
    let mut series = Vec::new();
    for ((metric, labels), now) in after {
        let then = before.get(&(metric.clone(), labels.clone()));
        let count = now.count - then.map_or(0.0, |h| h.count);
        if count <= 0.0 {
            continue;
        }
        let sum = now.sum - then.map_or(0.0, |h| h.sum);
        let buckets: Vec<(f64, f64)> = now
            .buckets
            .iter()
            .map(|(bound, c)| {
                let earlier = then
                    .and_then(|h| h.buckets.iter().find(|(b, _)| b == bound))
                    .map_or(0.0, |(_, c)| *c);
                (*bound, c - earlier)
            })
            .collect();
        series.push(ServerSeries {
            metric: metric.clone(),
            labels: labels.clone(),
            count: count as u64,
            mean_ms: sum / count * 1e3,
            p50_ms: quantile(&buckets, 0.5) * 1e3,
            p99_ms: quantile(&buckets, 0.99) * 1e3,
            buckets_ms: buckets
                .iter()
                .map(|(bound, c)| (bound * 1e3, *c as u64))
                .collect(),
        });
    }
    series
}

/// `histogram_quantile`: the bucket where the rank falls, interpolated linearly; a rank in the
/// `+Inf` bucket answers the highest finite bound.
pub fn quantile(buckets: &[(f64, f64)], q: f64) -> f64 {
    let Some(&(_, total)) = buckets.last() else {
        return 0.0;
    };
    if total <= 0.0 {
        return 0.0;
    }
    let rank = q * total;
    let mut lower = (0.0, 0.0);
    for &(bound, count) in buckets {
        if count >= rank {
            if bound.is_infinite() {
                return lower.0;
            }
            let width = count - lower.1;
            if width <= 0.0 {
                return bound;
            }
            return lower.0 + (bound - lower.0) * (rank - lower.1) / width;
        }
        lower = (bound, count);
    }
    lower.0
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEFORE: &str = r#"# HELP quickclear_x_seconds X.
# TYPE quickclear_x_seconds histogram
quickclear_x_seconds_bucket{kind="scene",le="0.001"} 1
quickclear_x_seconds_bucket{kind="scene",le="0.01"} 2
quickclear_x_seconds_bucket{kind="scene",le="+Inf"} 2
quickclear_x_seconds_sum{kind="scene"} 0.005
quickclear_x_seconds_count{kind="scene"} 2
quickclear_reports_received_total{channel="dispatcher"} 2
other_seconds_bucket{le="1"} 5
"#;

    const AFTER: &str = r#"quickclear_x_seconds_bucket{kind="scene",le="0.001"} 51
quickclear_x_seconds_bucket{kind="scene",le="0.01"} 102
quickclear_x_seconds_bucket{kind="scene",le="+Inf"} 102
quickclear_x_seconds_sum{kind="scene"} 0.305
quickclear_x_seconds_count{kind="scene"} 102
quickclear_y_seconds_bucket{le="0.5"} 0
quickclear_y_seconds_bucket{le="+Inf"} 0
quickclear_y_seconds_sum 0
quickclear_y_seconds_count 0
"#;

    #[test]
    fn parses_histograms_only() {
        let h = parse(BEFORE, "quickclear_");
        assert_eq!(h.len(), 1);
        let x = &h[&(
            "quickclear_x_seconds".to_owned(),
            "kind=\"scene\"".to_owned(),
        )];
        assert_eq!(
            x.buckets,
            vec![(0.001, 1.0), (0.01, 2.0), (f64::INFINITY, 2.0)]
        );
        assert_eq!((x.sum, x.count), (0.005, 2.0));
    }

    #[test]
    fn the_difference_between_scrapes() {
        let d = delta(&parse(BEFORE, "quickclear_"), &parse(AFTER, "quickclear_"));
        assert_eq!(d.len(), 1, "series that did not move are left out");
        let x = &d[0];
        assert_eq!(x.count, 100);
        assert!((x.mean_ms - 3.0).abs() < 1e-9);
        // 50 at or under 1 ms, 50 in (1, 10]: the median is the top of the first bucket.
        assert!((x.p50_ms - 1.0).abs() < 1e-9);
        // The 99th is 49/50 of the way through the second bucket.
        assert!((x.p99_ms - (1.0 + 9.0 * 49.0 / 50.0)).abs() < 1e-9);
    }

    #[test]
    fn quantile_in_the_open_bucket_answers_the_last_bound() {
        let buckets = [(0.1, 0.0), (1.0, 1.0), (f64::INFINITY, 10.0)];
        assert_eq!(quantile(&buckets, 0.99), 1.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }

    #[test]
    fn merges_processes() {
        let mut all = parse(BEFORE, "quickclear_");
        merge(&mut all, parse(BEFORE, "quickclear_"));
        let x = &all[&(
            "quickclear_x_seconds".to_owned(),
            "kind=\"scene\"".to_owned(),
        )];
        assert_eq!(x.count, 4.0);
        assert_eq!(x.buckets[1], (0.01, 4.0));
    }

    #[test]
    fn label_values_may_hold_commas() {
        assert_eq!(
            split_labels(r#"a="x,y",b="z""#),
            vec![r#"a="x,y""#, r#"b="z""#]
        );
    }
}
