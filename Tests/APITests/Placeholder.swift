// Placeholder until the API's tests land.
