"""marsviz: Project Olympus, the crewed Mars mission of "Race to Mars", on real astrodynamics."""

__version__ = "0.1.0"
