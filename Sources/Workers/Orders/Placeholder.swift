// Placeholder until the orders service lands.
