//! HTML building blocks: escaping, the inline stylesheet, and inlining a
//! chart's SVG safely. Everything inserted from data goes through [`esc`].

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The report's stylesheet (inline; system fonts only, nothing fetched).
pub const CSS: &str = r#"
:root { --ink: #1f1f1f; --muted: #5a5a5a; --rule: #d9d9d9; --better: #0072B2; --worse: #D55E00; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0.2em 0 0.4em; }
h2 { font-size: 1.35rem; margin: 2em 0 0.5em; padding-top: 0.4em; border-top: 2px solid var(--rule); }
h3 { font-size: 1.1rem; margin: 1.4em 0 0.4em; }
p, li { max-width: 75ch; }
.lead { font-size: 1.1rem; color: var(--muted); }
nav ol { columns: 2; padding-left: 1.2em; }
table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.92rem; }
th, td { border-bottom: 1px solid var(--rule); padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; }
#headline-table td { min-width: 9.5em; }
#headline-table .v { display: block; font-weight: 600; font-size: 1.02rem; }
#headline-table .ci { display: block; color: var(--muted); font-size: 0.82rem; }
#headline-table .d { display: block; margin-top: 4px; font-size: 0.82rem; }
.tag { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 0.75rem; font-weight: 600; border: 1px solid; }
.tag.better { color: var(--better); border-color: var(--better); }
.tag.worse { color: var(--worse); border-color: var(--worse); }
.tag.unclear { color: var(--muted); border-color: var(--rule); }
figure { margin: 1.5em 0 2em; }
figure svg { display: block; width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { margin-top: 0.5em; max-width: 75ch; }
.missing { padding: 1em; background: #f7f7f7; border: 1px dashed var(--rule); color: var(--muted); }
.note { color: var(--muted); font-size: 0.92rem; }
dl.manifest { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.manifest dt { font-weight: 600; }
dl.manifest dd { margin: 0; overflow-wrap: anywhere; }
code { font-size: 0.9em; background: #f4f4f4; padding: 0 3px; border-radius: 2px; }
#answer-table td, #answer-table th { font-size: 0.9rem; }
#answer-table .ci { color: var(--muted); white-space: nowrap; }
#answer-table th .note { display: block; font-size: 0.8em; font-weight: normal; }
.answer-chart svg { max-height: 520px; }
@page { size: A4; margin: 12mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  h2 { break-before: auto; }
  figure { break-inside: avoid; }
  #answer { break-after: page; }
  #answer h1 { font-size: 15pt; margin: 0 0 4pt; }
  #answer .lead { font-size: 10pt; margin: 0 0 4pt; }
  #answer p, #answer li { font-size: 8.5pt; margin: 2pt 0; max-width: none; }
  #answer-table td, #answer-table th { font-size: 8pt; padding: 2pt 4pt; }
  #answer .table-wrap { overflow: visible; }
  #answer figure { margin: 4pt 0; }
  .answer-chart svg { max-height: 80mm; width: auto; max-width: 100%; margin: 0 auto; }
  #answer h3 { font-size: 10pt; margin: 6pt 0 2pt; }
}
"#;

/// Prepares a chart's SVG text for inlining: drops an XML prologue and the
/// namespace attribute (not needed inside HTML), adds an accessible label,
/// and refuses anything that could run script or load a resource.
pub fn inline_svg(svg: &str, label: &str) -> Result<String, String> {
    let mut s = svg.trim();
    if s.starts_with("<?xml") {
        s = match s.find("?>") {
            Some(i) => s[i + 2..].trim_start(),
            None => return Err("broken XML prologue".into()),
        };
    }
    if !s.starts_with("<svg") || !s.trim_end().ends_with("</svg>") {
        return Err("not an SVG document".into());
    }
    let lower = s.to_ascii_lowercase();
    for bad in [
        "<script",
        "javascript:",
        "<foreignobject",
        "href=",
        "<iframe",
        "<image",
        " on",
        "url(",
    ] {
        let found = if bad == " on" {
            // event handler attributes such as onload=
            lower.match_indices(" on").any(|(i, _)| {
                lower[i + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .count()
                    > 0
                    && lower[i + 3..].chars().find(|c| !c.is_ascii_alphabetic()) == Some('=')
            })
        } else {
            lower.contains(bad)
        };
        if found {
            return Err(format!(
                "the SVG contains {bad:?}, which a self-contained report does not inline"
            ));
        }
    }
    let s = s.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    Ok(s.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", esc(label)),
        1,
    ))
}
