import type { GeoLocation } from './anomaly-signal.js'

/** Mean Earth radius (IUGG), in km. */
const EARTH_RADIUS_KM = 6371.0088
const RADIANS = Math.PI / 180

/** Great-circle distance between two points, in km (the haversine formula). */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RADIANS
  const dLon = (lon2 - lon1) * RADIANS
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RADIANS) * Math.cos(lat2 * RADIANS) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)))
}

/** True when a location has usable coordinates (finite, in range). */
export function hasCoordinates(location: GeoLocation | undefined): location is GeoLocation & { latitude: number; longitude: number } {
  const latitude = location?.latitude
  const longitude = location?.longitude
  return typeof latitude === 'number' && typeof longitude === 'number' &&
    latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180
}
