"""What the template's tests and its benchmark share: rendering, running, inspecting."""
