//! Places the display model on A4 pages as printpdf operations and saves the PDF (fonts subset).
//!
//! Coordinates are kept in points from the top-left corner while laying out and flipped to PDF's
//! bottom-left origin when an operation is emitted. Page 1: title, addressee and header fields on the
//! left, issuer on the right, the payable amount, then the lines table; when the table is full a new page
//! starts with a short heading and the table header again. After the last line come the reduced-rate
//! note, tax per rate and totals side by side, bank details, the response block and notes, each moved
//! to a new page when it does not fit. The footer (archive facts, page n / m) is added to every page
//! last, once the page count is known.

use printpdf::{
    Codepoint, Color, FontId, Greyscale, Line as PdfLine, LinePoint, Op, PaintMode, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, TextItem,
};

use crate::font::Font;
use crate::model::{Field, Line, Model};
use crate::{PdfError, RenderMeta};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 42.5;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Lowest y (from the top) content may reach; the footer sits below.
const BOTTOM: f32 = PAGE_H - 72.0;

const BODY: f32 = 9.0;
const SMALL: f32 = 7.5;
const ROW_LINE: f32 = 12.0;
const ROW_PAD: f32 = 6.0;
const MAX_DESCRIPTION_LINES: usize = 3;

/// The table columns: header, width, right-aligned.
const COLUMNS: [(&str, f32, bool); 6] = [
    ("No.", 30.0, false),
    ("品名", CONTENT_W - 30.0 - 74.0 - 80.0 - 88.0 - 40.0, false),
    ("数量", 74.0, true),
    ("単価", 80.0, true),
    ("金額", 88.0, true),
    ("税率", 40.0, true),
];
const CELL_PAD: f32 = 3.0;

/// The footer lines, formatted once per document (the page number is added per page).
pub(crate) struct Footer {
    first: String,
    verdict: String,
    hash: String,
}

impl Footer {
    pub(crate) fn new(meta: &RenderMeta) -> Footer {
        // One line each: line breaks or tabs in the given texts become spaces.
        let one_line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        Footer {
            first: format!(
                "文書ID {}　保管番号 {}　受信日時 {}",
                meta.document_id,
                meta.archive_seq,
                one_line(&meta.received_at)
            ),
            verdict: one_line(&meta.verdict),
            hash: format!(
                "SHA-256 {}　添付（原本XML）: {}",
                one_line(&meta.sha256),
                one_line(&meta.attachment_name)
            ),
        }
    }

    pub(crate) fn check_glyphs(&self, font: &Font) -> Result<(), PdfError> {
        font.check("footer.received_at", &self.first)?;
        font.check("footer.verdict", &self.verdict)?;
        font.check("footer.sha256", &self.hash)
    }
}

/// Lays out `model` as a PDF (fonts subset), not yet post-processed or written.
pub(crate) fn render(
    font: &Font,
    model: &Model,
    footer: &Footer,
    title: &str,
) -> Result<lopdf::Document, PdfError> {
    let mut doc = PdfDocument::new(title);
    let font_id = doc.add_font(&font.parsed);
    let mut layout = Layout {
        font,
        font_id,
        pages: vec![Vec::new()],
        current: 0,
        y: MARGIN,
        continuation: format!("{title}（続き）"),
        missing: None,
    };
    layout.document(model);
    let count = layout.pages.len();
    for page in 0..count {
        layout.footer(page, count, footer);
    }
    if let Some(character) = layout.missing {
        // The model and footer were checked before layout; this only catches a label of our own.
        return Err(PdfError::MissingGlyph {
            character,
            field: "layout".to_owned(),
        });
    }
    let pages = layout
        .pages
        .into_iter()
        .map(|ops| {
            PdfPage::new(
                printpdf::Mm::from(Pt(PAGE_W)),
                printpdf::Mm::from(Pt(PAGE_H)),
                ops,
            )
        })
        .collect();
    let options = PdfSaveOptions {
        subset_fonts: true,
        ..PdfSaveOptions::default()
    };
    let mut warnings = Vec::new();
    Ok(doc
        .with_pages(pages)
        .to_lopdf_document(&options, &mut warnings))
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
    Center,
}

struct Layout<'a> {
    font: &'a Font,
    font_id: FontId,
    pages: Vec<Vec<Op>>,
    /// The page being drawn on.
    current: usize,
    /// Current position from the top of the page.
    y: f32,
    continuation: String,
    missing: Option<char>,
}

fn point(x: f32, y_from_top: f32) -> Point {
    Point {
        x: Pt(x),
        y: Pt(PAGE_H - y_from_top),
    }
}

fn grey(percent: f32) -> Color {
    Color::Greyscale(Greyscale {
        percent,
        icc_profile: None,
    })
}

impl Layout<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.current >= self.pages.len() {
            self.pages.resize_with(self.current + 1, Vec::new);
        }
        &mut self.pages[self.current]
    }

    /// Draws `text` with its baseline at `baseline` (from the top).
    fn text(&mut self, x: f32, baseline: f32, size: f32, align: Align, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.missing.is_none() {
            self.missing = self.font.first_missing(text);
        }
        let x = match align {
            Align::Left => x,
            Align::Right => x - self.font.width(text, size),
            Align::Center => x - self.font.width(text, size) / 2.0,
        };
        let font = PdfFontHandle::External(self.font_id.clone());
        let glyphs = self.glyphs(text);
        self.ops().extend([
            Op::StartTextSection,
            Op::SetFont {
                font,
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: point(x, baseline),
            },
            Op::ShowText {
                items: vec![TextItem::GlyphIds(glyphs)],
            },
            Op::EndTextSection,
        ]);
    }

    /// `text` as glyph ids, each with its character for the text layer, so printpdf does not look
    /// every character up in the font again.
    fn glyphs(&self, text: &str) -> Vec<Codepoint> {
        text.chars()
            .map(|c| Codepoint {
                gid: self.font.glyph(c).unwrap_or(0),
                offset: 0.0,
                cid: Some(c.to_string()),
            })
            .collect()
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, thickness: f32) {
        self.ops().extend([
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawLine {
                line: PdfLine {
                    points: vec![
                        LinePoint {
                            p: point(x1, y),
                            bezier: false,
                        },
                        LinePoint {
                            p: point(x2, y),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    fn fill_rect(&mut self, x: f32, top: f32, width: f32, height: f32, shade: f32) {
        self.ops().extend([
            Op::SaveGraphicsState,
            Op::SetFillColor { col: grey(shade) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Pt(x),
                    y: Pt(PAGE_H - top - height),
                    width: Pt(width),
                    height: Pt(height),
                    mode: Some(PaintMode::Fill),
                    winding_order: None,
                },
            },
            Op::RestoreGraphicsState,
        ]);
    }

    /// Breaks `text` into lines no wider than `width` (by character; CJK text has no spaces).
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut current = String::new();
        let mut current_width = 0.0;
        for c in text.chars() {
            let w = self.font.char_width(c, size);
            if current_width + w > width && !current.is_empty() {
                lines.push(std::mem::take(&mut current));
                current_width = 0.0;
                if c == ' ' {
                    continue;
                }
            }
            current.push(c);
            current_width += w;
        }
        if !current.is_empty() || lines.is_empty() {
            lines.push(current);
        }
        lines
    }

    /// `text` cut to `width`, with … when cut.
    fn fit(&self, text: &str, size: f32, width: f32) -> String {
        if self.font.width(text, size) <= width {
            return text.to_owned();
        }
        let ellipsis = self.font.char_width('…', size);
        let mut out = String::new();
        let mut used = 0.0;
        for c in text.chars() {
            let w = self.font.char_width(c, size);
            if used + w + ellipsis > width {
                break;
            }
            out.push(c);
            used += w;
        }
        out.push('…');
        out
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.current = self.pages.len() - 1;
        self.y = MARGIN;
        let heading = self.continuation.clone();
        self.text(MARGIN, self.y + 10.0, 10.0, Align::Left, &heading);
        self.y += 22.0;
    }

    /// Starts a new page unless `height` still fits on this one.
    fn ensure(&mut self, height: f32) {
        if self.y + height > BOTTOM {
            self.new_page();
        }
    }

    fn document(&mut self, model: &Model) {
        self.text(
            PAGE_W / 2.0,
            self.y + 20.0,
            20.0,
            Align::Center,
            model.title,
        );
        self.y += 40.0;
        let top = self.y;
        let left_w = 255.0;
        let right_x = MARGIN + left_w + 20.0;
        let right_w = CONTENT_W - left_w - 20.0;

        // Left: the addressee and the header fields.
        let mut y = top;
        if !model.addressee.name.is_empty() || !model.addressee.address.is_empty() {
            self.text(MARGIN, y + 8.0, SMALL, Align::Left, model.addressee.role);
            y += 11.0;
            for line in self.wrap(&format!("{}　御中", model.addressee.name), 12.0, left_w) {
                self.text(MARGIN, y + 12.0, 12.0, Align::Left, &line);
                y += 16.0;
            }
            self.hline(MARGIN, MARGIN + left_w, y + 1.0, 0.6);
            y += 4.0;
            for line in &model.addressee.address {
                let line = self.fit(line, BODY, left_w);
                self.text(MARGIN, y + BODY + 2.0, BODY, Align::Left, &line);
                y += ROW_LINE;
            }
            y += 8.0;
        }
        y = self.fields(&model.fields, MARGIN, y, left_w, 72.0);

        // Right: the issuer.
        let mut ry = top;
        let issuer = &model.issuer;
        self.text(right_x, ry + 8.0, SMALL, Align::Left, issuer.role);
        ry += 11.0;
        for line in self.wrap(&issuer.name, 11.0, right_w) {
            self.text(right_x, ry + 11.0, 11.0, Align::Left, &line);
            ry += 15.0;
        }
        let mut lines: Vec<String> = issuer.address.clone();
        if !issuer.registration.is_empty() {
            lines.push(format!("登録番号 {}", issuer.registration));
        }
        lines.extend(issuer.contact.iter().cloned());
        for line in lines {
            let line = self.fit(&line, BODY, right_w);
            self.text(right_x, ry + BODY + 2.0, BODY, Align::Left, &line);
            ry += ROW_LINE;
        }
        self.y = y.max(ry) + 10.0;

        if let Some(headline) = &model.headline {
            let width = left_w;
            self.fill_rect(MARGIN, self.y, width, 26.0, 0.92);
            self.text(
                MARGIN + 6.0,
                self.y + 17.0,
                11.0,
                Align::Left,
                &headline.label,
            );
            let value = format!("{}（税込）", headline.value);
            let value = if model.totals.iter().any(|t| t.label == "合計（税込）") {
                value
            } else {
                headline.value.clone()
            };
            self.text(
                MARGIN + width - 6.0,
                self.y + 18.0,
                15.0,
                Align::Right,
                &value,
            );
            self.hline(MARGIN, MARGIN + width, self.y + 26.0, 0.8);
            self.y += 38.0;
        }

        if !model.response.is_empty() {
            self.heading("応答内容");
            self.y = self.fields(&model.response, MARGIN, self.y, CONTENT_W, 90.0) + 8.0;
        }

        if !model.lines.is_empty() {
            self.table(&model.lines);
            if model.has_reduced_lines() {
                self.ensure(14.0);
                self.text(MARGIN, self.y + 11.0, 8.0, Align::Left, "※は軽減税率対象");
                self.y += 14.0;
            }
            self.y += 8.0;
        }

        self.summary(model);

        if !model.bank.is_empty() {
            self.ensure(18.0 + model.bank.len() as f32 * ROW_LINE);
            self.heading("お振込先");
            self.y = self.fields(&model.bank, MARGIN, self.y, CONTENT_W, 90.0) + 8.0;
        }

        if !model.notes.is_empty() {
            self.ensure(18.0 + ROW_LINE);
            self.heading("備考");
            for note in &model.notes {
                for line in self.wrap(note, BODY, CONTENT_W) {
                    self.ensure(ROW_LINE);
                    self.text(MARGIN, self.y + BODY + 2.0, BODY, Align::Left, &line);
                    self.y += ROW_LINE;
                }
            }
        }
    }

    fn heading(&mut self, text: &str) {
        self.ensure(18.0 + ROW_LINE);
        self.text(MARGIN, self.y + 11.0, 10.0, Align::Left, text);
        self.hline(MARGIN, MARGIN + CONTENT_W, self.y + 14.0, 0.4);
        self.y += 18.0;
    }

    /// Label / value rows; values wrap. Returns the y below them.
    fn fields(&mut self, fields: &[Field], x: f32, mut y: f32, width: f32, label_w: f32) -> f32 {
        for field in fields {
            let lines = self.wrap(&field.value, BODY, width - label_w);
            if y + ROW_LINE > BOTTOM {
                self.new_page();
                y = self.y;
            }
            self.text(x, y + BODY + 2.0, BODY, Align::Left, &field.label);
            for line in lines {
                if y + ROW_LINE > BOTTOM {
                    self.new_page();
                    y = self.y;
                }
                self.text(x + label_w, y + BODY + 2.0, BODY, Align::Left, &line);
                y += ROW_LINE;
            }
        }
        self.y = self.y.max(y);
        y
    }

    fn table_header(&mut self) {
        let height = 16.0;
        self.fill_rect(MARGIN, self.y, CONTENT_W, height, 0.88);
        let mut x = MARGIN;
        for (title, width, right) in COLUMNS {
            if right {
                self.text(
                    x + width - CELL_PAD,
                    self.y + 11.5,
                    BODY,
                    Align::Right,
                    title,
                );
            } else {
                self.text(x + CELL_PAD, self.y + 11.5, BODY, Align::Left, title);
            }
            x += width;
        }
        self.hline(MARGIN, MARGIN + CONTENT_W, self.y + height, 0.6);
        self.y += height;
    }

    fn table(&mut self, lines: &[Line]) {
        self.ensure(16.0 + ROW_LINE + ROW_PAD);
        self.table_header();
        let description_w = COLUMNS[1].1 - 2.0 * CELL_PAD;
        for line in lines {
            let mut description = self.wrap(&line.description, BODY, description_w);
            if description.len() > MAX_DESCRIPTION_LINES {
                let rest: String = description[MAX_DESCRIPTION_LINES - 1..].concat();
                description.truncate(MAX_DESCRIPTION_LINES - 1);
                description.push(self.fit(&rest, BODY, description_w));
            }
            let height = description.len() as f32 * ROW_LINE + ROW_PAD;
            if self.y + height > BOTTOM {
                self.new_page();
                self.table_header();
            }
            let baseline = self.y + ROW_PAD / 2.0 + BODY + 1.0;
            let id = if line.reduced {
                format!("{} ※", line.id)
            } else {
                line.id.clone()
            };
            let mut x = MARGIN;
            let cells = [
                id.as_str(),
                "",
                line.quantity.as_str(),
                line.unit_price.as_str(),
                line.amount.as_str(),
                line.tax.as_str(),
            ];
            for ((_, width, right), cell) in COLUMNS.iter().zip(cells) {
                let cell = self.fit(cell, BODY, width - 2.0 * CELL_PAD);
                if *right {
                    self.text(x + width - CELL_PAD, baseline, BODY, Align::Right, &cell);
                } else {
                    self.text(x + CELL_PAD, baseline, BODY, Align::Left, &cell);
                }
                x += width;
            }
            let description_x = MARGIN + COLUMNS[0].1 + CELL_PAD;
            for (i, text) in description.iter().enumerate() {
                self.text(
                    description_x,
                    baseline + i as f32 * ROW_LINE,
                    BODY,
                    Align::Left,
                    text,
                );
            }
            self.y += height;
            self.hline(MARGIN, MARGIN + CONTENT_W, self.y, 0.25);
        }
    }

    /// Tax per rate (left) and totals (right), kept together.
    fn summary(&mut self, model: &Model) {
        if model.taxes.is_empty() && model.totals.is_empty() {
            return;
        }
        let rows = model.taxes.len().max(model.totals.len()) as f32;
        self.ensure(20.0 + rows * 14.0);
        let top = self.y;
        let tax_w = 270.0;
        let mut y = top;
        if !model.taxes.is_empty() {
            let (label_x, taxable_right, tax_right) =
                (MARGIN + CELL_PAD, MARGIN + 180.0, MARGIN + tax_w - CELL_PAD);
            self.fill_rect(MARGIN, y, tax_w, 16.0, 0.88);
            self.text(label_x, y + 11.5, BODY, Align::Left, "税率区分");
            self.text(taxable_right, y + 11.5, BODY, Align::Right, "対象額");
            self.text(tax_right, y + 11.5, BODY, Align::Right, "消費税額");
            y += 16.0;
            for row in &model.taxes {
                let label = self.fit(&row.label, BODY, 100.0);
                self.text(label_x, y + 10.5, BODY, Align::Left, &label);
                self.text(taxable_right, y + 10.5, BODY, Align::Right, &row.taxable);
                self.text(tax_right, y + 10.5, BODY, Align::Right, &row.tax);
                y += 14.0;
                self.hline(MARGIN, MARGIN + tax_w, y, 0.25);
            }
        }
        let totals_x = MARGIN + tax_w + 20.0;
        let totals_right = MARGIN + CONTENT_W - CELL_PAD;
        let mut ty = top;
        let last = model.totals.len().saturating_sub(1);
        for (i, field) in model.totals.iter().enumerate() {
            let size = if i == last { 11.0 } else { BODY };
            if i == last {
                self.fill_rect(totals_x, ty, MARGIN + CONTENT_W - totals_x, 17.0, 0.92);
            }
            self.text(
                totals_x + CELL_PAD,
                ty + 11.5,
                size,
                Align::Left,
                &field.label,
            );
            self.text(totals_right, ty + 11.5, size, Align::Right, &field.value);
            ty += if i == last { 17.0 } else { 14.0 };
            self.hline(totals_x, MARGIN + CONTENT_W, ty, 0.25);
        }
        self.y = y.max(ty) + 12.0;
    }

    fn footer(&mut self, page: usize, count: usize, footer: &Footer) {
        self.current = page;
        let top = PAGE_H - 58.0;
        self.hline(MARGIN, MARGIN + CONTENT_W, top, 0.4);
        let width = CONTENT_W - 60.0;
        let first = self.fit(&footer.first, SMALL, width);
        let verdict = self.fit(&footer.verdict, SMALL, width);
        let hash = self.fit(&footer.hash, SMALL, CONTENT_W);
        self.text(MARGIN, top + 11.0, SMALL, Align::Left, &first);
        self.text(
            MARGIN + CONTENT_W,
            top + 11.0,
            SMALL,
            Align::Right,
            &format!("{} / {} ページ", page + 1, count),
        );
        self.text(MARGIN, top + 21.0, SMALL, Align::Left, &verdict);
        self.text(MARGIN, top + 31.0, SMALL, Align::Left, &hash);
    }
}
