//! The book cannot rot silently: every `{{#include}}` in `book/src` must name an existing file
//! and, when it names an anchor, a file that has that `ANCHOR:`/`ANCHOR_END:` pair; every image
//! and every chapter in SUMMARY.md must exist.

use std::path::{Path, PathBuf};

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../book/src")
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("book/src is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            markdown_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
}

/// `(directive, argument)` for every `{{#include …}}`-style directive in `text`.
fn directives(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{#") {
        let after = &rest[start + 3..];
        let Some(end) = after.find("}}") else { break };
        let inner = after[..end].trim();
        let (name, arg) = inner.split_once(char::is_whitespace).unwrap_or((inner, ""));
        found.push((name.to_string(), arg.trim().to_string()));
        rest = &after[end + 2..];
    }
    found
}

/// Targets of Markdown links and images (`](target)`), without titles or fragments.
fn link_targets(text: &str) -> Vec<String> {
    text.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &text[i + 2..];
            let end = rest.find(')')?;
            Some(
                rest[..end]
                    .split_whitespace()
                    .next()?
                    .split('#')
                    .next()?
                    .to_string(),
            )
        })
        .filter(|t| !t.is_empty() && !t.contains("://") && !t.starts_with("mailto:"))
        .collect()
}

#[test]
fn every_include_path_and_anchor_exists() {
    let mut files = Vec::new();
    markdown_files(&book_src(), &mut files);
    assert!(
        files.len() > 10,
        "the book has its chapters ({} pages found)",
        files.len()
    );
    let mut problems = Vec::new();
    let mut includes = 0;
    for md in &files {
        let text = std::fs::read_to_string(md).expect("page is UTF-8");
        let dir = md.parent().expect("page has a folder");
        for (name, arg) in directives(&text) {
            if !matches!(name.as_str(), "include" | "rustdoc_include") {
                problems.push(format!(
                    "{}: unknown directive {{{{#{name}}}}}",
                    md.display()
                ));
                continue;
            }
            includes += 1;
            let (path, anchor) = match arg.split_once(':') {
                Some((p, a)) if !a.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                    (p, Some(a))
                }
                Some((p, _)) => (p, None), // a line range
                None => (arg.as_str(), None),
            };
            let target = dir.join(path);
            let Ok(source) = std::fs::read_to_string(&target) else {
                problems.push(format!("{}: {path} does not exist", md.display()));
                continue;
            };
            if let Some(anchor) = anchor {
                let open = source
                    .lines()
                    .any(|l| l.trim_end().ends_with(&format!("ANCHOR: {anchor}")));
                let close = source
                    .lines()
                    .any(|l| l.trim_end().ends_with(&format!("ANCHOR_END: {anchor}")));
                if !(open && close) {
                    problems.push(format!(
                        "{}: {path} has no anchor pair `{anchor}`",
                        md.display()
                    ));
                }
            }
        }
        for target in link_targets(&text) {
            if !dir.join(&target).exists() {
                problems.push(format!(
                    "{}: link or image {target} does not exist",
                    md.display()
                ));
            }
        }
    }
    assert!(
        includes > 20,
        "the book includes its listings from the crates ({includes} found)"
    );
    assert!(
        problems.is_empty(),
        "{} broken reference(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_chapter_in_summary_exists() {
    let summary = std::fs::read_to_string(book_src().join("SUMMARY.md")).expect("SUMMARY.md");
    let chapters = link_targets(&summary);
    assert!(chapters.len() > 10, "{chapters:?}");
    for c in chapters {
        assert!(
            book_src().join(&c).is_file(),
            "SUMMARY.md lists {c}, which does not exist"
        );
    }
}

#[test]
fn the_checker_finds_broken_references() {
    assert_eq!(
        directives("a {{#include ../x.rs:anchor}} b {{#include y.md}}"),
        vec![
            ("include".into(), "../x.rs:anchor".into()),
            ("include".into(), "y.md".into())
        ]
    );
    assert_eq!(
        link_targets("![a](img/a.svg) [b](b.md#part) [c](https://x.y)"),
        vec!["img/a.svg", "b.md"]
    );
}
