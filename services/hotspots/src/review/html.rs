//! The page: one self-contained HTML document (inline CSS and SVG; no script, font, image or
//! style sheet from anywhere else) with the summary, the map and the ranked table of gap cells.
//! Every piece of text from outside (names, addresses, ids) goes through [`escape`].

use crate::review::figures::{GapCell, Review, WINDOW_WEEKS};
use crate::review::hour_strip::hour_strip;
use crate::review::summary::summary;
use crate::review::svg_map::map_svg;
use crate::review::words::{class_label, count, hour_ranges, minutes, place, trend_label};
use std::fmt::Write;

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; color: #1d1d1d; margin: 24px; max-width: 1240px; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 16px; margin: 18px 0 8px; }
.sub { color: #555; margin: 2px 0 12px; }
.top { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.summary { flex: 1 1 340px; max-width: 420px; }
.summary ul, .summary ol { padding-left: 20px; margin: 4px 0; }
.summary li { margin-bottom: 6px; }
.map { border: 1px solid #ddd; background: #fff; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 5px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.n, .nowrap { white-space: nowrap; }
code { font-size: 11.5px; }
.gap { color: #b3261e; font-weight: 600; }
.muted { color: #666; }
footer { color: #666; font-size: 12px; margin-top: 18px; }
@media print { body { margin: 8mm; } .map { border: none; } }
";

/// Text made safe inside HTML elements and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// The whole page.
pub fn page(review: &Review) -> String {
    let title = format!(
        "Patrol-gap review · {} · {}",
        review.area.name, review.scope.week
    );
    let summary = summary(review);
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n\
         <h1>Patrol-gap review: {}</h1>\n<p class=\"sub\">Week {} ({}) · hot spots over the \
         {WINDOW_WEEKS} weeks to its end · H3 resolution {}</p>\n</header>\n",
        escape(&title),
        escape(&review.area.name),
        review.scope.week,
        escape(&review.scope.week.days()),
        review.scope.resolution.number(),
    );
    html.push_str("<div class=\"top\">\n<section class=\"summary\">\n<h2>Summary</h2>\n<ul>\n");
    for point in &summary.points {
        let _ = writeln!(html, "<li>{}</li>", escape(point));
    }
    html.push_str("</ul>\n");
    if !summary.top_gaps.is_empty() {
        html.push_str("<h2>Where patrols are missing most</h2>\n<ol>\n");
        for gap in &summary.top_gaps {
            let _ = writeln!(html, "<li>{}</li>", escape(gap));
        }
        html.push_str("</ol>\n");
    }
    html.push_str("</section>\n<section>\n<h2>Map</h2>\n");
    html.push_str(&map_svg(review));
    html.push_str("</section>\n</div>\n");
    html.push_str(&gap_table(review));
    html.push_str(&footer(review));
    html.push_str("</body>\n</html>\n");
    html
}

fn gap_table(review: &Review) -> String {
    let mut html = format!("<section>\n<h2>Gap cells ({})</h2>\n", review.gaps.len());
    if review.gaps.is_empty() {
        html.push_str(
            "<p class=\"muted\">No hot cell has a patrol gap this time.</p>\n</section>\n",
        );
        return html;
    }
    let _ = writeln!(
        html,
        "<p class=\"muted\">Ranked by thefts at gap hours. The strip shows the day from 0 to 24 h: \
         thefts in the {WINDOW_WEEKS} weeks above (red at gap hours, grey where patrols were \
         there; darker for more), patrol minutes below (a full green bar is {} or more).</p>",
        minutes(review.scope.min_dwell_minutes)
    );
    html.push_str(
        "<table>\n<thead><tr><th>#</th><th>Cell</th><th>Gi*</th><th>Thefts<br>8 wk</th>\
         <th>This<br>week</th><th>Hours with thefts</th><th>Patrol at those hours</th>\
         <th>Gap hours (thefts)</th><th>Trend</th><th>Cameras</th></tr></thead>\n<tbody>\n",
    );
    for gap in &review.gaps {
        let theft_hours: Vec<u8> = gap.hours.iter().map(|h| h.hour).collect();
        let _ = writeln!(
            html,
            "<tr><td class=\"n\">{}</td><td><code>{}</code><br><span class=\"muted\">{}</span></td>\
             <td class=\"nowrap\">{}<br><span class=\"muted\">z {:.1}</span></td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td>{}<br>{}</td><td class=\"n\">{}</td>\
             <td class=\"gap\">{} ({})</td><td>{}</td><td>{}</td></tr>",
            gap.rank,
            gap.cell,
            escape(&place(gap, review.area.station)),
            class_label(gap.class),
            gap.z,
            gap.thefts,
            gap.thefts_this_week,
            hour_strip(gap, review.scope.min_dwell_minutes),
            unbroken_ranges(&theft_hours),
            minutes(gap.dwell_at_theft_hours()),
            unbroken_ranges(&gap.gap_hours()),
            gap.gap_thefts(),
            trend_label(gap.trend),
            cameras_cell(gap),
        );
    }
    html.push_str("</tbody>\n</table>\n</section>\n");
    html
}

/// Hour ranges, each kept on one line.
fn unbroken_ranges(hours: &[u8]) -> String {
    hour_ranges(hours)
        .split(", ")
        .map(|range| format!("<span class=\"nowrap\">{range}</span>"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a camera sees the cell, then the cameras standing in it and next to it, by id.
fn cameras_cell(gap: &GapCell) -> String {
    let list = |ids: &[String]| escape(&ids.join(", "));
    let mut near = Vec::new();
    if !gap.cameras.in_cell.is_empty() {
        near.push(format!("in the cell: {}", list(&gap.cameras.in_cell)));
    }
    if !gap.cameras.in_ring.is_empty() {
        near.push(format!("next to it: {}", list(&gap.cameras.in_ring)));
    }
    if near.is_empty() {
        near.push("none in or next to it".into());
    }
    let sees = if gap.covered {
        "seen by a camera"
    } else {
        "<b>no camera sees it</b>"
    };
    format!("{sees}<br><span class=\"muted\">{}</span>", near.join("; "))
}

fn footer(review: &Review) -> String {
    format!(
        "<footer>\n<p>Hot spots: Getis-Ord Gi* over the cells with thefts in the {WINDOW_WEEKS} \
         weeks, neighbours within {} of each cell, Benjamini–Hochberg false discovery rate; the \
         review counts 95 % and 99 % cells as hot. A patrol gap is an hour of the day with thefts \
         in a hot cell and less than {} of patrol there at that hour, summed over the \
         {WINDOW_WEEKS} weeks (position pings; each counts until the next, 10 minutes at most). \
         Trend: emerging hot-spot pattern of the weekly Gi* with a Mann–Kendall test. Cameras: \
         {} in the registry, each seeing {:.0} m around. Hours are hours of the day as the \
         service reads times (UTC).</p>\n<p>Generated {} · {} in the window.</p>\n</footer>\n",
        count(u64::from(review.scope.ring_size), "ring", "rings"),
        minutes(review.scope.min_dwell_minutes),
        review.cameras,
        review.camera_range_m,
        review.generated_at.format("%Y-%m-%d %H:%M UTC"),
        count(review.window_thefts, "theft", "thefts"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cameras::CameraCoverage;
    use crate::review::figures::tests::{review, wacker_cell};
    use std::collections::BTreeMap;

    #[test]
    fn the_page_is_self_contained_and_escapes_what_it_is_given() {
        let mut review = review(BTreeMap::new(), &CameraCoverage::default());
        review.area.name = "District <1> & \"Central\"".into();
        review.gaps[0].address = Some("<img src=x onerror=alert(1)>".into());
        let page = page(&review);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<svg class=\"map\""));
        assert!(page.contains("District &lt;1&gt; &amp; &quot;Central&quot;"));
        assert!(!page.contains("<img"));
        assert!(page.contains(&format!("<code>{}</code>", wacker_cell())));
        assert!(page.contains("3 thefts this week"), "{page}");
        for external in ["http://", "https://", "<script", "<link", "@import", "url("] {
            assert!(!page.contains(external), "{external}");
        }
    }

    #[test]
    fn escaping_covers_markup_quotes_and_ampersands() {
        assert_eq!(
            escape(r#"<script>alert("x") & 'y'</script>"#),
            "&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(escape("001XX W MADISON ST"), "001XX W MADISON ST");
        assert_eq!(escape("é – ü"), "é – ü");
        assert_eq!(
            escape("&amp;"),
            "&amp;amp;",
            "escaping twice shows the text as sent"
        );
    }
}
