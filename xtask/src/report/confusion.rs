//! The confusion matrix as an SVG heat map with class names (written by hand: a grid of
//! rectangles and text, no plotting library, no fonts needed beyond the viewer's).
//!
//! Cell `(t, p)` is shaded by the share of true class `t` predicted as `p` (its row-normalised
//! count, white 0 → dark blue 1) and labelled with the count; rows are true classes, columns
//! predictions, and the diagonal holds the correct ones. Each row ends with the class's accuracy.

use std::fmt::Write as _;

use handgrad_nn::solver::ConfusionMatrix;

/// Side of a cell in pixels.
const CELL: usize = 46;
/// Room for the row labels on the left and the column labels on top.
const LEFT: usize = 110;
const TOP: usize = 110;

/// The SVG document of `m` with `classes[i]` naming class `i`, titled `title`.
///
/// # Panics
/// If `classes` does not name every class of `m`.
pub fn heat_map_svg(m: &ConfusionMatrix, classes: &[String], title: &str) -> String {
    let k = m.classes();
    assert!(classes.len() >= k, "heat_map_svg: {} class names for {k} classes", classes.len());
    let (w, h) = (LEFT + k * CELL + 90, TOP + k * CELL + 40);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="{}" y="22" font-size="16" text-anchor="middle">{}</text>"#, w / 2, escape(title));
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">predicted class</text>"#,
        LEFT + k * CELL / 2,
        TOP - 78
    );
    let _ = writeln!(
        s,
        r#"<text x="14" y="{}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {})">true class</text>"#,
        TOP + k * CELL / 2,
        TOP + k * CELL / 2
    );
    for (c, name) in classes.iter().take(k).enumerate() {
        let x = LEFT + c * CELL + CELL / 2;
        let _ = writeln!(
            s,
            r#"<text x="{x}" y="{}" font-size="11" text-anchor="start" transform="rotate(-45 {x} {})">{}</text>"#,
            TOP - 6,
            TOP - 6,
            escape(name)
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>"#,
            LEFT - 6,
            TOP + c * CELL + CELL / 2 + 4,
            escape(name)
        );
    }
    for t in 0..k {
        let n = m.class_count(t).max(1) as f64;
        for p in 0..k {
            let count = m.count(t, p);
            let share = count as f64 / n;
            let (x, y) = (LEFT + p * CELL, TOP + t * CELL);
            let _ = writeln!(
                s,
                r#"<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{}" stroke="{}"/>"#,
                shade(share),
                if t == p { "#d62728" } else { "#dddddd" }
            );
            let ink = if share > 0.5 { "white" } else { "black" };
            let _ = writeln!(
                s,
                r#"<text x="{}" y="{}" font-size="12" text-anchor="middle" fill="{ink}">{count}</text>"#,
                x + CELL / 2,
                y + CELL / 2 + 4
            );
        }
        let acc = m.class_accuracy(t).map_or("–".to_string(), |a| format!("{:.1}%", 100.0 * a));
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-size="11">{acc}</text>"#,
            LEFT + k * CELL + 8,
            TOP + t * CELL + CELL / 2 + 4
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-size="12" text-anchor="middle">overall accuracy {:.1}% on {} images (diagonal outlined; right: per-class accuracy)</text>"#,
        LEFT + k * CELL / 2,
        TOP + k * CELL + 26,
        100.0 * m.accuracy(),
        m.total()
    );
    s.push_str("</svg>\n");
    s
}

/// White (0) to dark blue (1).
fn shade(share: f64) -> String {
    let f = share.clamp(0.0, 1.0);
    let mix = |lo: f64, hi: f64| (lo + (hi - lo) * f).round() as u8;
    format!("#{:02x}{:02x}{:02x}", mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0))
}

/// Text safe inside SVG/HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cell_and_class_name_is_drawn() {
        let m = ConfusionMatrix::from_labels(&[0, 1, 1, 2, 0, 2], &[0, 1, 2, 2, 1, 2], 3);
        let names: Vec<String> = ["cat", "dog", "a<b"].iter().map(|s| s.to_string()).collect();
        let svg = heat_map_svg(&m, &names, "val");
        assert_eq!(svg.matches("<rect x=").count(), 9);
        assert!(svg.contains(">cat</text>") && svg.contains("a&lt;b") && svg.contains("66.7%"));
        assert!(svg.contains("overall accuracy 66.7% on 6 images"));
        assert_eq!((shade(0.0), shade(1.0)), ("#ffffff".to_string(), "#08306b".to_string()));
    }
}
