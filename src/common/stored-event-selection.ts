/** Which stored inbound events a replay takes: by id, or those received in [since, until). */
export type StoredEventSelection = { ids: string[] } | { since: Date; until: Date };
