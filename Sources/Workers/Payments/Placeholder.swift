// Placeholder until the payments service lands.
