// Placeholder until the tickets service lands.
