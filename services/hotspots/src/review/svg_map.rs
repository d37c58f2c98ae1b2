//! The map, as inline SVG: the area's cells as hexagons (h3o cell boundaries) projected
//! equirectangularly and scaled to fit, north up, coloured by Gi* class; camera-covered cells
//! outlined; patrol dwell as green dots (area proportional to minutes); the top gap cells numbered
//! by rank; a legend below. No `xmlns`: the SVG lives inside an HTML page, which needs none.

use crate::review::figures::{MapCell, Review};
use crate::review::html::escape;
use crate::review::words::{class_label, minutes};
use h3o::CellIndex;
use quickclear_analytics::HotSpotClass;
use std::fmt::Write;

/// Width of the map, px.
pub const WIDTH: f64 = 760.0;
const MAX_MAP_HEIGHT: f64 = 720.0;
const PAD: f64 = 14.0;
const LEGEND_HEIGHT: f64 = 78.0;
/// Gap cells numbered on the map (the table lists them all).
const LABELLED_GAPS: usize = 10;
const PATROL: &str = "#1a7f37";
const CAMERA: &str = "#111";
const STATION: &str = "#1f3a93";

/// Equirectangular projection of longitude and latitude (degrees) to pixels: x east, y south, with
/// longitudes shrunk by the cosine of the middle latitude, scaled to fit a box with padding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    min_lng: f64,
    max_lat: f64,
    shrink: f64,
    scale: f64,
    left: f64,
    pad: f64,
    height: f64,
}

impl Projection {
    /// Fits `(lng, lat)` points into `width` px, at most `max_height` px tall, `pad` px inside the
    /// edges, centred horizontally; `None` without points.
    pub fn fit(
        points: impl IntoIterator<Item = (f64, f64)>,
        width: f64,
        max_height: f64,
        pad: f64,
    ) -> Option<Self> {
        let (mut min_lng, mut max_lng, mut min_lat, mut max_lat) =
            (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
        for (lng, lat) in points
            .into_iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
        {
            (min_lng, max_lng) = (min_lng.min(lng), max_lng.max(lng));
            (min_lat, max_lat) = (min_lat.min(lat), max_lat.max(lat));
        }
        if min_lng > max_lng {
            return None;
        }
        let shrink = ((min_lat + max_lat) / 2.0).to_radians().cos();
        let span_x = ((max_lng - min_lng) * shrink).max(1e-9);
        let span_y = (max_lat - min_lat).max(1e-9);
        let scale = ((width - 2.0 * pad) / span_x).min((max_height - 2.0 * pad) / span_y);
        Some(Self {
            min_lng,
            max_lat,
            shrink,
            scale,
            left: pad + ((width - 2.0 * pad) - span_x * scale) / 2.0,
            pad,
            height: span_y * scale + 2.0 * pad,
        })
    }

    /// Pixels of a position: x to the east, y to the south.
    pub fn xy(&self, lng: f64, lat: f64) -> (f64, f64) {
        (
            self.left + (lng - self.min_lng) * self.shrink * self.scale,
            self.pad + (self.max_lat - lat) * self.scale,
        )
    }

    /// The height the points take, padding included.
    pub fn height(&self) -> f64 {
        self.height
    }
}

/// The fill of a Gi* class (ArcGIS's hot-spot palette); `None` is a cell only patrols visited.
pub fn class_colour(class: Option<HotSpotClass>) -> &'static str {
    match class {
        Some(HotSpotClass::Hot99) => "#d62f27",
        Some(HotSpotClass::Hot95) => "#ed7551",
        Some(HotSpotClass::Hot90) => "#fab984",
        Some(HotSpotClass::NotSignificant) => "#cfcfcf",
        Some(HotSpotClass::Cold90) => "#c0d9f2",
        Some(HotSpotClass::Cold95) => "#7aa6d8",
        Some(HotSpotClass::Cold99) => "#4575b5",
        None => "#ffffff",
    }
}

/// A cell's hexagon as `(lng, lat)` vertices.
fn hexagon(cell: CellIndex) -> Vec<(f64, f64)> {
    cell.boundary().iter().map(|v| (v.lng(), v.lat())).collect()
}

fn points(projection: &Projection, vertices: &[(f64, f64)]) -> String {
    let mut text = String::new();
    for &(lng, lat) in vertices {
        let (x, y) = projection.xy(lng, lat);
        let _ = write!(text, "{x:.1},{y:.1} ");
    }
    text.trim_end().to_owned()
}

/// The whole map with its legend.
pub fn map_svg(review: &Review) -> String {
    let cells: Vec<(&MapCell, Vec<(f64, f64)>)> =
        review.map.iter().map(|c| (c, hexagon(c.cell))).collect();
    let everything = (review.area.outline.iter().flatten().copied()).chain(
        cells
            .iter()
            .flat_map(|(_, hexagon)| hexagon.iter().copied()),
    );
    let Some(projection) = Projection::fit(everything, WIDTH, MAX_MAP_HEIGHT, PAD) else {
        return format!(
            "<svg class=\"map\" viewBox=\"0 0 {WIDTH} 60\" width=\"{WIDTH}\" height=\"60\" \
             role=\"img\"><text x=\"12\" y=\"34\">Nothing to map: no thefts and no patrols in \
             these weeks.</text></svg>"
        );
    };
    let map_height = projection.height();
    let height = map_height + LEGEND_HEIGHT;
    let mut svg = format!(
        "<svg class=\"map\" viewBox=\"0 0 {WIDTH} {height:.0}\" width=\"{WIDTH}\" \
         height=\"{height:.0}\" role=\"img\" aria-label=\"Map of {}\" \
         font-family=\"system-ui, sans-serif\">\n",
        escape(&review.area.name)
    );
    for ring in &review.area.outline {
        let _ = writeln!(
            svg,
            "<polygon points=\"{}\" fill=\"#f6f5f0\" stroke=\"#8a8a8a\" stroke-width=\"1.2\"/>",
            points(&projection, ring)
        );
    }
    let marks = Marks::new(
        cell_radius_px(&projection, &cells),
        dwell_reference(&review.map),
    );
    // Cells patrols crossed without thefts: outlined only where cells are big enough to tell apart
    // (a precinct); on a city map their dots say enough.
    for (cell, hexagon) in cells
        .iter()
        .filter(|(c, _)| c.class.is_some() || marks.outline_patrolled())
    {
        let stroke = if cell.class.is_some() {
            "#ffffff"
        } else {
            "#bdbdbd"
        };
        let _ = writeln!(
            svg,
            "<polygon points=\"{}\" fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"0.6\">\
             <title>{}</title></polygon>",
            points(&projection, hexagon),
            class_colour(cell.class),
            escape(&tooltip(cell)),
        );
    }
    for (_, hexagon) in cells.iter().filter(|(c, _)| c.covered) {
        let _ = writeln!(
            svg,
            "<polygon points=\"{}\" fill=\"none\" stroke=\"{CAMERA}\" stroke-width=\"{:.1}\"/>",
            points(&projection, hexagon),
            marks.camera_stroke(),
        );
    }
    for (cell, _) in cells.iter().filter(|(c, _)| c.dwell_minutes >= 1.0) {
        let (x, y) = centre_xy(&projection, cell.cell);
        let r = marks.dot_radius(cell.dwell_minutes);
        let _ = writeln!(
            svg,
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"{PATROL}\" fill-opacity=\"0.75\"/>"
        );
    }
    if let Some(station) = review.area.station {
        let (x, y) = projection.xy(station.lng, station.lat);
        let _ = writeln!(svg, "{}", station_mark(x, y));
    }
    for (cell, _) in &cells {
        if let Some(rank) = cell.gap_rank.filter(|&r| r <= LABELLED_GAPS) {
            let (x, y) = centre_xy(&projection, cell.cell);
            let _ = writeln!(svg, "{}", marks.badge(x, y, rank));
        }
    }
    svg.push_str(&legend(map_height, &marks));
    svg.push_str("</svg>\n");
    svg
}

fn tooltip(cell: &MapCell) -> String {
    let class = cell.class.map_or("no thefts", class_label);
    let mut text = format!(
        "{} · {class} · {} thefts · {} patrol",
        cell.cell,
        cell.thefts,
        minutes(cell.dwell_minutes)
    );
    if cell.covered {
        text.push_str(" · camera");
    }
    if let Some(rank) = cell.gap_rank {
        let _ = write!(text, " · gap #{rank}");
    }
    text
}

fn centre_xy(projection: &Projection, cell: CellIndex) -> (f64, f64) {
    let centre = h3o::LatLng::from(cell);
    projection.xy(centre.lng(), centre.lat())
}

/// Centre-to-vertex distance of the cells on this map, px.
fn cell_radius_px(projection: &Projection, cells: &[(&MapCell, Vec<(f64, f64)>)]) -> f64 {
    cells
        .first()
        .and_then(|(cell, hexagon)| {
            let (cx, cy) = centre_xy(projection, cell.cell);
            let &(lng, lat) = hexagon.first()?;
            let (x, y) = projection.xy(lng, lat);
            Some((x - cx).hypot(y - cy))
        })
        .unwrap_or(8.0)
        .max(2.0)
}

/// The dwell a full-size dot stands for: the 95th percentile of the map's dwell, so the station
/// and a few busy cells do not shrink every other dot to nothing.
fn dwell_reference(map: &[MapCell]) -> f64 {
    let mut dwell: Vec<f64> = (map.iter().map(|c| c.dwell_minutes))
        .filter(|&m| m >= 1.0)
        .collect();
    dwell.sort_by(f64::total_cmp);
    let index = (dwell.len() as f64 * 0.95) as usize;
    dwell
        .get(index.min(dwell.len().saturating_sub(1)))
        .copied()
        .unwrap_or(60.0)
        .max(1.0)
}

/// The sizes of the marks, from the size of the cells on the map (px) and the dwell a full dot
/// stands for.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Marks {
    cell_radius: f64,
    reference: f64,
}

impl Marks {
    fn new(cell_radius: f64, reference: f64) -> Self {
        Self {
            cell_radius,
            reference,
        }
    }

    fn outline_patrolled(self) -> bool {
        self.cell_radius >= 6.0
    }

    fn camera_stroke(self) -> f64 {
        (self.cell_radius * 0.2).clamp(0.6, 1.8)
    }

    /// A dot's radius: its area grows with the minutes, up to 60 % of the cell at the reference.
    fn dot_radius(self, dwell_minutes: f64) -> f64 {
        let share = (dwell_minutes / self.reference).clamp(0.0, 1.0);
        (0.6 * self.cell_radius * share.sqrt()).max(1.2)
    }

    /// A gap cell's rank in a white disc: at most 8 px, smaller on a city map.
    fn badge(self, x: f64, y: f64, rank: usize) -> String {
        let r = (self.cell_radius * 0.9).clamp(5.0, 8.0);
        format!(
            "<g><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"#ffffff\" \
             stroke=\"#111\" stroke-width=\"1.1\"/><text x=\"{x:.1}\" y=\"{:.1}\" \
             font-size=\"{:.1}\" font-weight=\"700\" text-anchor=\"middle\">{rank}</text></g>",
            y + r * 0.42,
            r * 1.25,
        )
    }
}

/// The precinct's station: a dark square.
fn station_mark(x: f64, y: f64) -> String {
    format!(
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{STATION}\" \
         stroke=\"#ffffff\" stroke-width=\"1.5\"><title>station</title></rect>",
        x - 5.0,
        y - 5.0
    )
}

fn legend(top: f64, marks: &Marks) -> String {
    let mut svg = format!(
        "<g transform=\"translate({PAD} {:.0})\" font-size=\"11\">\n",
        top + 8.0
    );
    let mut classes = vec![
        Some(HotSpotClass::Hot99),
        Some(HotSpotClass::Hot95),
        Some(HotSpotClass::Hot90),
        Some(HotSpotClass::NotSignificant),
        Some(HotSpotClass::Cold90),
        Some(HotSpotClass::Cold95),
        Some(HotSpotClass::Cold99),
    ];
    if marks.outline_patrolled() {
        classes.push(None);
    }
    let _ = writeln!(
        svg,
        "<text x=\"0\" y=\"10\" font-weight=\"600\">Gi* class</text>"
    );
    let mut x = 64.0;
    for class in classes {
        let label = class.map_or("patrolled only", class_label);
        let _ = writeln!(
            svg,
            "<rect x=\"{x}\" y=\"1\" width=\"12\" height=\"12\" fill=\"{}\" stroke=\"#999\" \
             stroke-width=\"0.5\"/><text x=\"{}\" y=\"11\">{label}</text>",
            class_colour(class),
            x + 16.0
        );
        // About 6 px a character at 11 px.
        x += 22.0 + 6.0 * label.chars().count() as f64;
    }
    let reference = marks.reference;
    let (small, large) = (
        marks.dot_radius(reference / 4.0),
        marks.dot_radius(reference),
    );
    let _ = writeln!(
        svg,
        "<text x=\"0\" y=\"38\" font-weight=\"600\">Marks</text>\
         <polygon points=\"70,26 82,26 88,33 82,40 70,40 64,33\" fill=\"none\" stroke=\"{CAMERA}\" \
         stroke-width=\"{:.1}\"/><text x=\"94\" y=\"37\">seen by a camera</text>\
         <circle cx=\"214\" cy=\"33\" r=\"{small:.1}\" fill=\"{PATROL}\" fill-opacity=\"0.75\"/>\
         <circle cx=\"{:.1}\" cy=\"33\" r=\"{large:.1}\" fill=\"{PATROL}\" fill-opacity=\"0.75\"/>\
         <text x=\"{:.1}\" y=\"37\">patrol in the 8 weeks: {} · {} or more</text>{}\
         <text x=\"596\" y=\"37\">gap cell, by rank</text>",
        marks.camera_stroke(),
        226.0 + large,
        232.0 + 2.0 * large,
        minutes(reference / 4.0),
        minutes(reference),
        marks.badge(582.0, 33.0, 1),
    );
    let _ = writeln!(
        svg,
        "{}<text x=\"80\" y=\"62\">station</text><text x=\"140\" y=\"62\" fill=\"#555\">North \
         up; hexagons are H3 cells; hover a cell for its figures.</text>",
        station_mark(69.0, 58.0)
    );
    svg.push_str("</g>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projection_fits_the_box_north_up_and_keeps_distances_square() {
        // About 1.11 km north-south; 0.013 44° of longitude is about 1.11 km east-west at 41.88°.
        let corners = [(-87.64, 41.87), (-87.626_56, 41.88)];
        let p = Projection::fit(corners, 200.0, 1000.0, 10.0).expect("points");
        let (x0, y0) = p.xy(-87.64, 41.88);
        let (x1, y1) = p.xy(-87.626_56, 41.87);
        assert!(
            (x0 - 10.0).abs() < 1e-9 && (y0 - 10.0).abs() < 1e-9,
            "{x0},{y0}"
        );
        assert!((x1 - 190.0).abs() < 1e-6, "{x1}");
        assert!(y1 > y0, "south is down");
        // A square on the ground is a square on the map, within 1 %.
        assert!(
            ((y1 - y0) / (x1 - x0) - 1.0).abs() < 0.01,
            "{}",
            (y1 - y0) / (x1 - x0)
        );
        assert!((p.height() - (y1 + 10.0)).abs() < 1e-6);
    }

    #[test]
    fn a_tall_area_is_limited_by_the_height_and_centred() {
        let p =
            Projection::fit([(-87.63, 41.80), (-87.62, 41.90)], 300.0, 200.0, 0.0).expect("points");
        assert!((p.height() - 200.0).abs() < 1e-9);
        let (left, _) = p.xy(-87.63, 41.85);
        let (right, _) = p.xy(-87.62, 41.85);
        assert!(((left + right) / 2.0 - 150.0).abs() < 1e-9, "centred");
        assert!(Projection::fit(std::iter::empty(), 300.0, 200.0, 0.0).is_none());
    }

    #[test]
    fn dots_grow_with_dwell_up_to_the_reference_and_marks_shrink_on_city_maps() {
        let precinct = Marks::new(10.0, 100.0);
        assert!((precinct.dot_radius(100.0) - 6.0).abs() < 1e-12);
        assert!((precinct.dot_radius(400.0) - 6.0).abs() < 1e-12);
        assert!((precinct.dot_radius(25.0) - 3.0).abs() < 1e-12);
        assert_eq!(precinct.dot_radius(0.0), 1.2);
        assert!(precinct.outline_patrolled());
        assert_eq!(precinct.camera_stroke(), 1.8);
        let city = Marks::new(3.0, 100.0);
        assert!(!city.outline_patrolled());
        assert!((city.camera_stroke() - 0.6).abs() < 1e-12);
        assert!(city.badge(0.0, 0.0, 1).contains("r=\"5.0\""));
    }
}
