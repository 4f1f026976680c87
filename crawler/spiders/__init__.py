"""Generic spiders; a site is a YAML file, not a spider."""
