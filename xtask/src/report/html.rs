//! `report.html`: one self-contained page per run folder — text, tables and every picture inlined
//! as a `data:` URI, so it opens anywhere without the network or the files beside it.
//!
//! A [`Page`] collects sections and is written atomically (a reader never sees half a page); the
//! commands rewrite it as their run goes, and while a run is going the page reloads itself every
//! [`REFRESH_SECONDS`]. A short script at the end counts the images the browser could decode and
//! shows the count at the top (`data-images-loaded="k/n"` on `<body>`), which the browser test of
//! `cargo xtask ci` reads.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;
use base64::Engine as _;

use super::confusion::escape;
use crate::run_dir::write_atomic;

/// Seconds between reloads while a run is going.
pub const REFRESH_SECONDS: u32 = 30;

/// The file name of the page in a run folder.
pub const REPORT: &str = "report.html";

/// A report page being assembled.
#[derive(Debug, Default)]
pub struct Page {
    title: String,
    refresh: bool,
    body: String,
    images: usize,
}

impl Page {
    /// An empty page titled `title`; with `live`, it reloads itself (the run is still going).
    pub fn new(title: &str, live: bool) -> Self {
        Self { title: title.into(), refresh: live, ..Self::default() }
    }

    /// A section heading.
    pub fn heading(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h2>{}</h2>", escape(text));
    }

    /// A paragraph of plain text.
    pub fn para(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
    }

    /// Preformatted text (a summary).
    pub fn pre(&mut self, text: &str) {
        let _ = writeln!(self.body, "<pre>{}</pre>", escape(text));
    }

    /// A table with a header row; cells are plain text.
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        self.body.push_str("<table>\n<tr>");
        for h in header {
            let _ = write!(self.body, "<th>{}</th>", escape(h));
        }
        self.body.push_str("</tr>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for cell in row {
                let _ = write!(self.body, "<td>{}</td>", escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// A two-column table of names and values.
    pub fn pairs(&mut self, rows: &[(&str, String)]) {
        let rows: Vec<Vec<String>> = rows.iter().map(|(k, v)| vec![k.to_string(), v.clone()]).collect();
        self.table(&["", ""], &rows);
    }

    /// The picture in `path` (PNG or SVG) inlined with caption `alt`; a note instead when the file
    /// does not exist (yet).
    pub fn image_file(&mut self, path: &Path, alt: &str) {
        let mime = match path.extension().and_then(|e| e.to_str()) {
            Some("svg") => "image/svg+xml",
            _ => "image/png",
        };
        match std::fs::read(path) {
            Ok(bytes) => self.image_bytes(mime, &bytes, alt),
            Err(_) => {
                let name = path.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
                self.para(&format!("({name} is not written yet)"));
            }
        }
    }

    /// A picture from its bytes.
    pub fn image_bytes(&mut self, mime: &str, bytes: &[u8], alt: &str) {
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        let _ = writeln!(
            self.body,
            r#"<figure><img src="data:{mime};base64,{data}" alt="{a}"><figcaption>{a}</figcaption></figure>"#,
            a = escape(alt)
        );
        self.images += 1;
    }

    /// Pictures inlined so far.
    #[cfg(test)]
    pub fn image_count(&self) -> usize {
        self.images
    }

    /// The whole document.
    pub fn html(&self) -> String {
        let refresh = if self.refresh {
            format!(r#"<meta http-equiv="refresh" content="{REFRESH_SECONDS}">"#)
        } else {
            String::new()
        };
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{refresh}<title>{t}</title>\n<style>{STYLE}</style></head>\n\
             <body>\n<h1>{t}</h1>\n<p id=\"image-check\" class=\"note\">{n} images inlined</p>\n{body}\n<script>{SCRIPT}</script>\n</body></html>\n",
            t = escape(&self.title),
            n = self.images,
            body = self.body
        )
    }

    /// Writes the page to `path`, atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.html().as_bytes())
    }
}

const STYLE: &str = "body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}\
th{background:#f4f4f4}pre{background:#f8f8f8;padding:.8em;overflow-x:auto}figure{margin:1em 0}\
img{max-width:100%;border:1px solid #eee}figcaption{font-size:.85em;color:#555}.note{color:#666;font-size:.85em}";

const SCRIPT: &str = "window.addEventListener('load',function(){var i=Array.prototype.slice.call(document.images);\
var ok=i.filter(function(x){return x.complete&&x.naturalWidth>0;}).length;\
document.getElementById('image-check').textContent=ok+' of '+i.length+' images loaded';\
document.body.setAttribute('data-images-loaded',ok+'/'+i.length);});";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_inlined_and_text_is_escaped() {
        let tmp = tempfile::tempdir().unwrap();
        let svg = tmp.path().join("a.svg");
        std::fs::write(&svg, "<svg xmlns='http://www.w3.org/2000/svg'/>").unwrap();
        let mut page = Page::new("run <1>", true);
        page.para("a & b");
        page.image_file(&svg, "plot");
        page.image_file(&tmp.path().join("missing.png"), "later");
        page.table(&["k", "v"], &[vec!["lr".into(), "1e-3".into()]]);
        let html = page.html();
        assert!(html.contains("<title>run &lt;1&gt;</title>") && html.contains("a &amp; b"));
        assert!(html.contains("src=\"data:image/svg+xml;base64,PHN2Zy"), "the SVG is inlined");
        assert!(html.contains("missing.png is not written yet") && html.contains("http-equiv=\"refresh\""));
        assert_eq!(page.image_count(), 1);
        assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "nothing from the network");
    }
}
