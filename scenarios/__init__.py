"""Study runners: scenario YAML -> runs of the Twin -> Result and report. Stands on ``twin``."""
