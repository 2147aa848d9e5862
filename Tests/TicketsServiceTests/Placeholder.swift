// Placeholder until the tickets service's tests land.
