//! Which precinct owns a location.
//!
//! Each precinct's boundary is tiled once with H3 cells at resolution 9 (about 0.1 km²). A cell that
//! lies wholly inside one precinct answers at once; a cell that touches a boundary keeps the list of
//! precincts it touches, and only then is the point tested against those polygons. So almost every
//! lookup is one hash probe, and the answer is exact at the borders.

use geo::{Contains, Distance, Euclidean, MultiPolygon, Point};
use h3o::geom::{ContainmentMode, TilerBuilder};
use h3o::{CellIndex, LatLng, Resolution};
use quickclear_schemas::UnitId;
use std::collections::HashMap;

/// The resolution precinct territory is indexed at.
pub const INDEX_RESOLUTION: Resolution = Resolution::Nine;

#[derive(Debug)]
enum Owner {
    Whole(usize),
    Border(Vec<usize>),
}

/// Precinct territories, indexed by H3 cell.
#[derive(Debug, Default)]
pub struct PrecinctMap {
    precincts: Vec<(UnitId, MultiPolygon<f64>)>,
    cells: HashMap<CellIndex, Owner>,
}

impl PrecinctMap {
    /// Indexes the given territories (longitude = x, latitude = y, in degrees).
    pub fn new(territories: Vec<(UnitId, MultiPolygon<f64>)>) -> Result<Self, String> {
        let mut cells: HashMap<CellIndex, Owner> = HashMap::new();
        for (i, (unit, area)) in territories.iter().enumerate() {
            let mut tiler = TilerBuilder::new(INDEX_RESOLUTION)
                .containment_mode(ContainmentMode::IntersectsBoundary)
                .build();
            for polygon in area.iter() {
                tiler
                    .add(polygon.clone())
                    .map_err(|e| format!("territory of {unit} is not a valid polygon: {e}"))?;
            }
            for annotated in tiler.into_annotated_coverage() {
                let owner = cells
                    .entry(annotated.cell)
                    .or_insert(Owner::Border(Vec::new()));
                match owner {
                    Owner::Border(_) if annotated.is_fully_contained => *owner = Owner::Whole(i),
                    Owner::Border(candidates) => candidates.push(i),
                    Owner::Whole(_) => {}
                }
            }
        }
        Ok(Self {
            precincts: territories,
            cells,
        })
    }

    /// The precinct owning the point. A point just outside every territory (within two cells, about
    /// 300 m) goes to the nearest precinct: addresses are geocoded to street centre lines, and the
    /// streets that bound the city are its outer border.
    pub fn owner_of(&self, lat: f64, lng: f64) -> Option<&UnitId> {
        let cell = LatLng::new(lat, lng).ok()?.to_cell(INDEX_RESOLUTION);
        let point = Point::new(lng, lat);
        let inside = match self.cells.get(&cell) {
            Some(Owner::Whole(i)) => Some(*i),
            Some(Owner::Border(candidates)) => candidates
                .iter()
                .copied()
                .find(|&i| self.precincts[i].1.contains(&point)),
            None => None,
        };
        let index = inside.or_else(|| self.nearest_nearby(cell, point))?;
        Some(&self.precincts[index].0)
    }

    fn nearest_nearby(&self, cell: CellIndex, point: Point<f64>) -> Option<usize> {
        let mut candidates: Vec<usize> = cell
            .grid_disk::<Vec<_>>(2)
            .iter()
            .filter_map(|c| self.cells.get(c))
            .flat_map(|owner| match owner {
                Owner::Whole(i) => std::slice::from_ref(i),
                Owner::Border(candidates) => candidates.as_slice(),
            })
            .copied()
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        candidates.into_iter().min_by(|&a, &b| {
            let distance = |i: usize| Euclidean.distance(&point, &self.precincts[i].1);
            distance(a).total_cmp(&distance(b))
        })
    }

    /// Every precinct that owns territory.
    pub fn owners(&self) -> impl Iterator<Item = &UnitId> {
        self.precincts.iter().map(|(unit, _)| unit)
    }

    /// A precinct's territory (longitude = x, latitude = y, in degrees), if it owns one.
    pub fn territory(&self, unit: &UnitId) -> Option<&MultiPolygon<f64>> {
        self.precincts
            .iter()
            .find(|(owner, _)| owner == unit)
            .map(|(_, area)| area)
    }

    /// How many cells the index holds (for the start-up log).
    pub fn indexed_cells(&self) -> usize {
        self.cells.len()
    }
}
