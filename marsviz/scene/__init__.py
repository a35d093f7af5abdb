"""The 3D mission scene, shared by the window and the exporter: PyVista only, no Qt."""
