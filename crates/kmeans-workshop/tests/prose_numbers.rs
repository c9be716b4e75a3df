//! Every measured figure in the book comes from a generated table. A page may include a
//! snippet that `cargo bench` writes (`book/src/generated/`, with its machine and date), but
//! the Markdown of a page itself — prose, speaker notes and code blocks alike — must not state
//! a time, a GFLOP/s figure or a speed-up: the next run, on another machine, would contradict
//! it. The slides' own published numbers are the exception (allow-listed below): they are
//! quoted as what they are, the presenter's measurements.

use std::path::{Path, PathBuf};

/// The slides' published timings (the "best of 5" lines of slides 27–83), and the title of
/// their part "K-Means in 5 minutes" (slide 13).
const SLIDES_TIMES: &[&str] = &[
    "51.7 s",
    "1.01 s",
    "72.6 ms",
    "18.1 ms",
    "17.8 ms",
    "9.94 ms",
    "1.15 ms",
    "1.03 ms",
    "491 µs",
    "5 minutes",
];

/// Ratios of the slides' own timings, allowed on a line that says they are the slides' (it
/// mentions a slide or the presenter): v1 → v2 (13.9×, "14×"), v2 → v3 (4×), v3 → v4 (2 %),
/// v4 → v5 (1.8×), dense → CSC (2.1×), original → CSC (2.3×), original → dense (1.1×).
const SLIDES_RATIOS: &[&str] = &["13.9×", "14×", "4×", "2 %", "1.8×", "2.1×", "2.3×", "1.1×"];

/// Units of time, longest first so that `ms` is not read as `m` + `s`.
const TIME_UNITS: &[&str] = &[
    "seconds", "second", "minutes", "minute", "ms", "µs", "μs", "us", "ns", "min", "s",
];

const THROUGHPUT_UNITS: &[&str] = &["GFLOP/s", "GFLOPS", "Gflop/s", "GFLOP"];

/// What kind of measured figure a match is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Time,
    Throughput,
    Speedup,
}

/// A figure found in a page: its normalised text (`"2.4×"`, `"1.62 ms"`) and kind.
#[derive(Debug, PartialEq, Eq)]
struct Figure {
    text: String,
    kind: Kind,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{2009}' | '\u{202f}')
}

/// The measured figures stated in one line of Markdown.
fn figures(line: &str) -> Vec<Figure> {
    let chars: Vec<char> = line.chars().collect();
    let rest_at = |i: usize| -> String { chars[i.min(chars.len())..].iter().collect() };
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '.' | '_')));
        if !starts_number {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len()
            && (chars[j].is_ascii_digit()
                || (matches!(chars[j], '.' | ',')
                    && chars.get(j + 1).is_some_and(|c| c.is_ascii_digit())))
        {
            j += 1;
        }
        let number: String = chars[i..j].iter().collect();
        let mut k = j;
        while k < chars.len() && is_space(chars[k]) {
            k += 1;
        }
        let spaced = k > j;
        let after = rest_at(k);
        let unit_ends_word = |unit: &str| {
            after
                .strip_prefix(unit)
                .is_some_and(|r| !r.chars().next().is_some_and(char::is_alphanumeric))
        };
        let next_is_operand = |skip: usize| {
            let r: String = after.chars().skip(skip).collect();
            let r = r.trim_start_matches(is_space);
            r.chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '(' || c == '`')
        };
        let figure = if let Some(unit) = THROUGHPUT_UNITS.iter().find(|u| unit_ends_word(u)) {
            Some(Figure {
                text: format!("{number} {unit}"),
                kind: Kind::Throughput,
            })
        } else if let Some(unit) = TIME_UNITS.iter().find(|u| unit_ends_word(u)) {
            let unit = match *unit {
                "μs" | "us" => "µs",
                u => u,
            };
            Some(Figure {
                text: format!("{number} {unit}"),
                kind: Kind::Time,
            })
        } else if after.starts_with('×') && (!spaced || !next_is_operand(1)) {
            // "2.4×", "2.4× faster"; not a shape like "4 × 3" or "n × d", nor "4×3".
            let glued_operand = after
                .chars()
                .nth(1)
                .is_some_and(|c| c.is_ascii_digit() || c == '(');
            (!glued_operand).then(|| Figure {
                text: format!("{number}×"),
                kind: Kind::Speedup,
            })
        } else if !spaced
            && after.starts_with('x')
            && !after.chars().nth(1).is_some_and(char::is_alphanumeric)
        {
            Some(Figure {
                text: format!("{number}×"),
                kind: Kind::Speedup,
            })
        } else if after.starts_with('%') || after.starts_with("times") {
            let window: String = after.chars().take(40).collect::<String>().to_lowercase();
            let comparative = ["faster", "slower", "quicker"]
                .iter()
                .any(|w| window.contains(w));
            comparative.then(|| Figure {
                text: if after.starts_with('%') {
                    format!("{number} %")
                } else {
                    format!("{number} times")
                },
                kind: Kind::Speedup,
            })
        } else {
            None
        };
        found.extend(figure);
        i = j.max(i + 1);
    }
    found
}

/// Whether a figure on this line is one of the slides' published numbers.
fn allowed(figure: &Figure, line: &str) -> bool {
    if SLIDES_TIMES.contains(&figure.text.as_str()) {
        return true;
    }
    let lower = line.to_lowercase();
    SLIDES_RATIOS.contains(&figure.text.as_str())
        && (lower.contains("slide") || lower.contains("presenter"))
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("book/src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            // The snippets `cargo bench` writes, each with its provenance line.
            if path.file_name().is_some_and(|n| n == "generated") {
                continue;
            }
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// A line without its `{{#include …}}` directives (what they include is checked where it is
/// written: generated snippets are exempt, listings are code).
fn without_includes(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("{{#") {
        out.push_str(&rest[..start]);
        match rest[start..].find("}}") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn no_page_states_a_measured_figure_outside_a_generated_snippet() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src");
    let mut files = Vec::new();
    markdown_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "the book's pages ({} found)", files.len());
    let mut problems = Vec::new();
    for page in &files {
        let text = std::fs::read_to_string(page).expect("page is UTF-8");
        let name = page
            .strip_prefix(&src)
            .unwrap_or(page)
            .display()
            .to_string();
        for (n, line) in text.lines().enumerate() {
            let line = without_includes(line);
            for figure in figures(&line) {
                if !allowed(&figure, &line) {
                    problems.push(format!(
                        "{name}:{}: {:?} {} — put it in a generated table, or drop it: {}",
                        n + 1,
                        figure.kind,
                        figure.text,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} measured figure(s) typed into the book:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_rule_finds_times_throughputs_and_speedups() {
    let texts = |line: &str| -> Vec<String> { figures(line).into_iter().map(|f| f.text).collect() };
    assert_eq!(
        texts("it took 1.62 ms, then 3.92ms"),
        ["1.62 ms", "3.92 ms"]
    );
    assert_eq!(texts("161.5 µs vs 31.8 us"), ["161.5 µs", "31.8 µs"]);
    assert_eq!(
        texts("a fit in 0.43 s or 2 seconds"),
        ["0.43 s", "2 seconds"]
    );
    assert_eq!(texts("runs at 145 GFLOP/s"), ["145 GFLOP/s"]);
    assert_eq!(texts("2.4× faster, 3x better"), ["2.4×", "3×"]);
    assert_eq!(
        texts("it is 2 % faster, 3 times slower"),
        ["2 %", "3 times"]
    );
    assert_eq!(figures("see | 4.0× |")[0].kind, Kind::Speedup);
    // Not measured figures: shapes, names, counts, percentages without a comparison.
    for line in [
        "a: 4 × 3, b: 1 × 4, (k × n), 10⁶ × 256 × 64",
        "v1, ex10, f32, x86_64, AVX-512, 2·n·k·d flops",
        "n = 5000, k = 26, d = 26; 27 MB each; 80 % of the reference",
        "3 loops, 4x3 matrices",
    ] {
        assert!(figures(line).is_empty(), "{line}: {:?}", figures(line));
    }
}

#[test]
fn the_slides_numbers_are_allowed_where_they_are_the_slides() {
    let line = "Slide 34: 72.6 ms on the presenter's machine, 14× faster than v1";
    assert!(figures(line).iter().all(|f| allowed(f, line)));
    let unlabelled = "our v2 is 14× faster";
    assert!(!figures(unlabelled).iter().all(|f| allowed(f, unlabelled)));
    assert!(figures("51.7 s").iter().all(|f| allowed(f, "51.7 s")));
    assert!(!figures("51.6 s").iter().all(|f| allowed(f, "51.6 s")));
    assert_eq!(without_includes("a {{#include x.md}} 2× b"), "a  2× b");
}
