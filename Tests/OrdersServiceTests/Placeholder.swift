// Placeholder until the orders service's tests land.
