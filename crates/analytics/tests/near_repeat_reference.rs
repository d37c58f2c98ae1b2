//! Knox test against the Near Repeat Calculator 1.3 outputs shipped with the R package
//! wsteenbeek/NearRepeat (shared/data/near-repeat): exact observed tables, Knox ratios within
//! Monte Carlo noise.

mod common;

use std::collections::BTreeMap;
use std::io::BufRead;

use chrono::NaiveDate;
use quickclear_analytics::{
    AnalyticsError, DistanceArithmetic, DistanceMetric, KnoxConfig, SpaceTimeEvent, knox_test,
};

fn events(file: &str) -> Vec<SpaceTimeEvent> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(common::open(&format!("near-repeat/{file}")))
        .records()
        .map(|record| {
            let record = record.expect("readable event");
            let date = NaiveDate::parse_from_str(&record[2], "%Y-%m-%d").expect("ISO date");
            SpaceTimeEvent {
                x: record[0].parse().expect("x"),
                y: record[1].parse().expect("y"),
                day: (date - epoch).num_days(),
            }
        })
        .collect()
}

/// What the calculator wrote to its `*_NRverbose_*.csv`.
struct CalculatorOutput {
    /// "Observed frequencies distribution" (blank cells are 0), rows by distance.
    observed: Vec<Vec<u64>>,
    /// Per (row, column), from the "Row r Column c" blocks (1-based in the file).
    simulations: BTreeMap<(usize, usize), Simulated>,
}

struct Simulated {
    expected: Vec<f64>,
    ratio: f64,
    p_value: f64,
}

fn calculator_output(file: &str) -> CalculatorOutput {
    let lines: Vec<String> = common::open(&format!("near-repeat/{file}"))
        .lines()
        .map(|line| line.expect("text line"))
        .collect();
    let numbers = |text: &str| -> Vec<f64> {
        text.split(',')
            .filter_map(|field| field.trim().parse().ok())
            .collect()
    };
    let table_start = lines
        .iter()
        .position(|line| line.starts_with("Observed frequencies distribution"))
        .expect("observed table");
    // Title, column labels, column numbers, then one line per distance band: "1, Same location,28,5,5,2,".
    let observed = lines[table_start + 3..table_start + 8]
        .iter()
        .map(|line| {
            line.split(',')
                .skip(2)
                .take(4)
                .map(|cell| cell.trim().parse().unwrap_or(0))
                .collect()
        })
        .collect();
    let mut simulations = BTreeMap::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(position) = line.strip_prefix("Row ") else {
            continue;
        };
        let (row, column) = position.split_once(" Column ").expect("Row r Column c");
        let block = &lines[start + 1..];
        let observed_at = block
            .iter()
            .position(|line| line.starts_with("Observed"))
            .expect("Observed line");
        // "Expected,v1,v2,..." possibly wrapped onto lines starting with a comma.
        let expected = block[..observed_at]
            .iter()
            .flat_map(|line| numbers(line))
            .collect();
        let ratio_line = block
            .iter()
            .find(|line| line.starts_with("Obs over Mean Exp"))
            .expect("ratio line");
        let ratio = numbers(ratio_line)[0];
        let p_line = block
            .iter()
            .find(|line| line.starts_with("P value"))
            .expect("p-value line");
        let p_value = numbers(p_line)[0];
        let key = (
            row.trim().parse::<usize>().expect("row") - 1,
            column.trim().parse::<usize>().expect("column") - 1,
        );
        simulations.insert(
            key,
            Simulated {
                expected,
                ratio,
                p_value,
            },
        );
    }
    CalculatorOutput {
        observed,
        simulations,
    }
}

const BURGLARY: &str = "chicago_be_month1.csv";
const BURGLARY_VERBOSE: &str = "chicago_be_month1_NRverbose_2019-09-23_143005.csv";
const ARSON: &str = "chicago_arson.csv";
const ARSON_VERBOSE: &str = "chicago_arson_NRverbose_2019-09-23_145637.csv";

/// Ours (999 shuffles) against the calculator's few shuffles: in every cell where the calculator
/// expected at least 5 pairs, the Knox ratios differ by less than 5 standard errors of the
/// calculator's mean (its own spread over its shuffles, floored at one pair). Where the calculator
/// found a clear excess (ratio > 1.2 at its smallest possible p), ours is significant at 1 %.
fn assert_ratios_within_noise(
    config: &KnoxConfig,
    events: &[SpaceTimeEvent],
    calculator: &CalculatorOutput,
) {
    let result = knox_test(events, config).expect("valid Knox input");
    let mut compared = 0;
    for (&(row, column), simulated) in &calculator.simulations {
        let runs = simulated.expected.len() as f64;
        if simulated.ratio > 1.2 && (simulated.p_value - 1.0 / (runs + 1.0)).abs() < 1e-9 {
            let ours = result.p_value[row][column];
            assert!(
                ours <= 0.01,
                "cell ({row}, {column}): p {ours} where the calculator found a clear excess"
            );
        }
        let mean = simulated.expected.iter().sum::<f64>() / runs;
        if mean < 5.0 {
            continue;
        }
        let variance = simulated
            .expected
            .iter()
            .map(|e| (e - mean).powi(2))
            .sum::<f64>()
            / (runs - 1.0);
        let standard_error = variance.max(1.0).sqrt() / runs.sqrt();
        let ours = result.knox_ratio[row][column].expect("pairs expected");
        let tolerance = 5.0 * simulated.ratio * standard_error / mean + 1e-3;
        assert!(
            (ours - simulated.ratio).abs() < tolerance,
            "cell ({row}, {column}): Knox ratio {ours:.4} vs calculator {:.4} (tolerance {tolerance:.4})",
            simulated.ratio
        );
        compared += 1;
    }
    assert!(
        compared >= 8,
        "only {compared} cells had enough pairs to compare"
    );
}

/// README: burglary, Manhattan distance, distance edges 0, 1, 100, 200, 300 and day edges 0, 7, 14,
/// 21 in double precision reproduce the calculator's table (which labels them "Same location",
/// "1 to 100", "101 to 200", … and "0 to 7", "8 to 14", …; the labels are off by one).
#[test]
fn burglary_observed_table_matches_the_calculator_exactly() {
    let events = events(BURGLARY);
    assert_eq!(events.len(), 970);
    let calculator = calculator_output(BURGLARY_VERBOSE);
    assert_eq!(
        calculator.observed,
        vec![
            vec![28, 5, 5, 2],
            vec![44, 13, 8, 4],
            vec![97, 56, 19, 16],
            vec![77, 67, 45, 20],
            vec![182_194, 146_149, 95_237, 45_879],
        ],
        "the verbose file agrees with the README"
    );
    let readme_bands = KnoxConfig {
        distance_edges: vec![0.0, 1.0, 100.0, 200.0, 300.0],
        day_edges: vec![0, 7, 14, 21],
        metric: DistanceMetric::Manhattan,
        arithmetic: DistanceArithmetic::Double,
        permutations: 999,
        seed: 2016,
        threads: 2,
    };
    assert_eq!(
        knox_test(&events, &readme_bands)
            .expect("valid input")
            .observed,
        calculator.observed
    );
    // The calculator preset (its summary page: spatial bandwidth 100, 3 bands; temporal 7, 3 bands).
    let preset = KnoxConfig {
        seed: 7,
        threads: 2,
        ..KnoxConfig::near_repeat_calculator(100.0, 3, 7, 3)
    };
    assert_eq!(
        knox_test(&events, &preset).expect("valid input").observed,
        calculator.observed
    );
    assert_ratios_within_noise(&readme_bands, &events, &calculator);
}

/// Arson (summary page: spatial bandwidth 200, 3 bands; temporal 1 day, 3 bands; 99 shuffles).
/// Plain double-precision bands [0, 1), [1, 200), … miss the calculator's table by three pairs; its
/// single-precision arithmetic and exact-zero "Same location" reproduce it.
#[test]
fn arson_observed_table_matches_the_calculator_exactly() {
    let events = events(ARSON);
    assert_eq!(events.len(), 522);
    let calculator = calculator_output(ARSON_VERBOSE);
    assert_eq!(
        calculator.observed[1],
        vec![9, 1, 1, 45],
        "row '1 to 200' of the verbose file"
    );
    let preset = KnoxConfig {
        seed: 11,
        threads: 2,
        ..KnoxConfig::near_repeat_calculator(200.0, 3, 1, 3)
    };
    assert_eq!(preset.distance_edges[2..], [200.0, 400.0, 600.0]);
    assert_eq!(preset.day_edges, [0, 1, 2, 3]);
    assert_eq!(
        knox_test(&events, &preset).expect("valid input").observed,
        calculator.observed
    );

    let double = KnoxConfig {
        distance_edges: vec![0.0, 1.0, 200.0, 400.0, 600.0],
        arithmetic: DistanceArithmetic::Double,
        ..preset.clone()
    };
    assert_ne!(
        knox_test(&events, &double).expect("valid input").observed,
        calculator.observed
    );
    assert_ratios_within_noise(&preset, &events, &calculator);
}

/// Brute force over all pairs, straight from the definition.
fn brute_force(events: &[SpaceTimeEvent], config: &KnoxConfig) -> Vec<Vec<u64>> {
    let band = |edges: &[f64], value: f64| {
        edges
            .iter()
            .rposition(|&edge| edge <= value)
            .expect("edge 0")
    };
    let day_edges: Vec<f64> = config.day_edges.iter().map(|&d| d as f64).collect();
    let mut table = vec![vec![0; config.day_edges.len()]; config.distance_edges.len()];
    for (i, a) in events.iter().enumerate() {
        for b in &events[i + 1..] {
            let (dx, dy) = ((a.x - b.x).abs(), (a.y - b.y).abs());
            let distance = match config.metric {
                DistanceMetric::Manhattan => dx + dy,
                DistanceMetric::Euclidean => (dx * dx + dy * dy).sqrt(),
            };
            let days = (a.day - b.day).abs() as f64;
            table[band(&config.distance_edges, distance)][band(&day_edges, days)] += 1;
        }
    }
    table
}

#[test]
fn tables_equal_brute_force_counts_for_both_metrics_and_degenerate_bands() {
    let events = events(ARSON);
    let cases: [(Vec<f64>, Vec<i64>); 5] = [
        (vec![0.0, 1.0, 150.0, 500.0, 1_000.0], vec![0, 2, 10, 30]),
        // Only open-ended bands in one dimension or both.
        (vec![0.0], vec![0, 2, 10, 30]),
        (vec![0.0, 1.0, 150.0, 500.0], vec![0]),
        (vec![0.0], vec![0]),
        // A vanishing distance edge: the spatial grid must not overflow.
        (vec![0.0, 1e-300], vec![0, 7]),
    ];
    for (distance_edges, day_edges) in cases {
        for metric in [DistanceMetric::Euclidean, DistanceMetric::Manhattan] {
            let config = KnoxConfig {
                distance_edges: distance_edges.clone(),
                day_edges: day_edges.clone(),
                metric,
                arithmetic: DistanceArithmetic::Double,
                permutations: 20,
                seed: 1,
                threads: 1,
            };
            let observed = knox_test(&events, &config).expect("valid input").observed;
            assert_eq!(observed, brute_force(&events, &config), "{config:?}");
        }
    }
}

#[test]
fn results_are_reproducible_whatever_the_thread_count() {
    let events = events(BURGLARY);
    let config = KnoxConfig {
        permutations: 40,
        seed: 99,
        threads: 1,
        ..KnoxConfig::near_repeat_calculator(100.0, 3, 7, 3)
    };
    let single_thread = knox_test(&events, &config).expect("valid input");
    let three_threads = knox_test(
        &events,
        &KnoxConfig {
            threads: 3,
            ..config.clone()
        },
    )
    .expect("valid input");
    assert_eq!(single_thread, three_threads);
    let other_seed = knox_test(
        &events,
        &KnoxConfig {
            seed: 100,
            ..config
        },
    )
    .expect("valid input");
    assert_ne!(single_thread.expected_mean, other_seed.expected_mean);
    // Every table sums to all pairs; p-values live on the (k + 1) / (N + 1) grid.
    let pairs: f64 = single_thread.expected_mean.iter().flatten().sum();
    assert!((pairs - 970.0 * 969.0 / 2.0).abs() < 1e-6);
    for p in single_thread.p_value.iter().flatten() {
        let k = p * 41.0 - 1.0;
        assert!(
            (k - k.round()).abs() < 1e-9 && (0.0..=40.0).contains(&k.round()),
            "p = {p}"
        );
    }
}

#[test]
fn invalid_bands_and_inputs_are_rejected() {
    let events = events(ARSON);
    let valid = KnoxConfig::near_repeat_calculator(200.0, 3, 1, 3);
    let bad_bands = [
        KnoxConfig {
            distance_edges: vec![],
            ..valid.clone()
        },
        KnoxConfig {
            distance_edges: vec![1.0, 100.0],
            ..valid.clone()
        },
        KnoxConfig {
            distance_edges: vec![0.0, 100.0, 100.0],
            ..valid.clone()
        },
        KnoxConfig {
            distance_edges: vec![0.0, f64::INFINITY],
            ..valid.clone()
        },
        KnoxConfig {
            day_edges: vec![0, 7, 3],
            ..valid.clone()
        },
        KnoxConfig {
            day_edges: vec![-1, 7],
            ..valid.clone()
        },
    ];
    for config in bad_bands {
        assert!(
            matches!(
                knox_test(&events, &config),
                Err(AnalyticsError::InvalidBands(_))
            ),
            "{config:?}"
        );
    }
    let no_shuffles = KnoxConfig {
        permutations: 0,
        ..valid.clone()
    };
    assert!(matches!(
        knox_test(&events, &no_shuffles),
        Err(AnalyticsError::InvalidParameter(_))
    ));
    assert!(matches!(
        knox_test(&events[..1], &valid),
        Err(AnalyticsError::NotEnoughData(_))
    ));
    let mut broken = events.clone();
    broken[3].x = f64::NAN;
    assert!(matches!(
        knox_test(&broken, &valid),
        Err(AnalyticsError::InvalidParameter(_))
    ));
}
