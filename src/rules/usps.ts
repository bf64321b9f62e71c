/**
 * USPS two-letter codes of the US states, the District of Columbia, the territories and the armed
 * forces addresses: what a patient's `address.state` or `rules explain --state` may name. A state
 * rules file (`rules/states/ZZ.yaml`, the fictional demo state) adds its own code.
 */
export const USPS_STATES: ReadonlySet<string> = new Set([
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY',
  'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND',
  'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
  'DC',
  // Territories and freely associated states.
  'AS', 'GU', 'MP', 'PR', 'VI', 'FM', 'MH', 'PW',
  // Armed forces (Americas, Europe, Pacific).
  'AA', 'AE', 'AP',
]);
