// Placeholder until the tickets worker lands.
