"""Small geometry helpers shared by the scene's visuals."""

from __future__ import annotations

import math

import numpy as np
import pyvista as pv


def uv_sphere(radius: float, nlon: int = 96, nlat: int = 48) -> pv.PolyData:
    """A sphere with equirectangular texture coordinates and no texture seam."""
    lon = np.linspace(-np.pi, np.pi, nlon + 1)
    lat = np.linspace(-np.pi / 2, np.pi / 2, nlat + 1)
    LON, LAT = np.meshgrid(lon, lat)
    x = np.cos(LAT) * np.cos(LON)
    y = np.cos(LAT) * np.sin(LON)
    z = np.sin(LAT)
    grid = pv.StructuredGrid(radius * x, radius * y, radius * z)
    surf = grid.extract_surface(algorithm=None)
    surf.flip_faces(inplace=True)  # outward-facing cells, so computed normals point outward
    surf.active_texture_coordinates = np.c_[(LON.ravel(order="F") + np.pi) / (2 * np.pi),
                                            (LAT.ravel(order="F") + np.pi / 2) / np.pi]
    pts = np.asarray(surf.points)
    surf.point_data["Normals"] = pts / np.linalg.norm(pts, axis=1, keepdims=True)
    surf.point_data.active_normals_name = "Normals"
    return surf


def rotation_x(deg: float) -> np.ndarray:
    a = math.radians(deg)
    c, s = math.cos(a), math.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def polyline(points: np.ndarray) -> pv.PolyData:
    pts = np.asarray(points, dtype=float)
    n = len(pts)
    if n < 2:
        return pv.PolyData(np.zeros((1, 3)), lines=np.empty(0, dtype=int))
    return pv.PolyData(pts, lines=np.concatenate([[n], np.arange(n)]))


def set_polyline(poly: pv.PolyData, points: np.ndarray) -> None:
    """Replace a polyline's points in place (cheap; no new actor)."""
    n = len(points)
    poly.points = np.asarray(points, dtype=float) if n else np.zeros((1, 3))
    poly.lines = np.concatenate([[n], np.arange(n)]) if n >= 2 else np.empty(0, dtype=int)
    poly.Modified()


def write_points(poly: pv.PolyData, points: np.ndarray) -> None:
    """Overwrite a polydata's points in place (same count): no new VTK objects, no checks."""
    from vtkmodules.util.numpy_support import vtk_to_numpy

    vp = poly.GetPoints()
    arr = vtk_to_numpy(vp.GetData())
    arr[...] = points
    vp.Modified()
    poly.Modified()


def set_line_cells(poly: pv.PolyData, indices: np.ndarray) -> None:
    """Make ``poly`` one polyline through ``indices`` of its points (none if fewer than 2)."""
    n = len(indices)
    poly.lines = np.concatenate([[n], indices]).astype(int) if n >= 2 else np.empty(0, dtype=int)
    poly.Modified()
