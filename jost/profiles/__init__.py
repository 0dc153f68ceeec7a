"""A player's profiles (rules, strategies, ramps, simulations) as local JSON files: their
store, the standard ones installed beside them, and hydration into the one complete
``SimulationConfig`` a run needs. The terminal keeps and edits them; the workbench prefills
its editor from the standard ones. Nothing here talks to the platform."""
