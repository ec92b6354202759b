"""Pure helpers of the hub: no ORM, no request; tested with plain pytest."""
