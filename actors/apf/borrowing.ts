// Borrowing between priority levels, as kube's APF config controller does it
// (KEP-1040, apf_controller.go and conc_alloc.go), in our own code:
//
//   nominalCL = ceil(serverCL × shares / Σshares)     (Σ over every level, exempt too)
//   lendableCL = round(nominalCL × lendablePercent / 100)
//   borrowingCL = round(nominalCL × borrowingLimitPercent / 100), or serverCL when unset
//   minCL = nominalCL − lendableCL,  maxCL = nominalCL + borrowingCL
//
// Each level's seat demand (seats executing + seats waiting) is integrated
// over time. Every 10 s (and at each configuration change) each level's
// demand statistics are taken and reset, and the current limits (currentCL)
// are recomputed: exempt levels keep max(minCL, high watermark), the rest
// share what remains of Σ nominalCL in proportion to their smoothed demand,
// each within [max(minCL, min(nominalCL, high watermark)), maxCL].

/** kube's borrowingAdjustmentPeriod. */
export const BORROWING_ADJUSTMENT_MS = 10_000;
/** kube's seatDemandSmoothingCoefficient: a half-life of about 5 minutes at one adjustment per 10 s. */
const SMOOTHING = 0.977;
/** kube's priorityLevelMaxSeatsPercent: the most seats one request of a level may take, as a share of its nominalCL. */
const MAX_SEATS_PERCENT = 0.15;

/** A time-weighted integral of one value (kube's fairqueuing Integrator): its average, deviation and range since the last reset. */
export class Integrator {
  private x = 0;
  private last: number;
  private elapsed = 0;
  private sumX = 0;
  private sumXX = 0;
  private min = 0;
  private max = 0;

  constructor(now: number) {
    this.last = now;
  }

  get value(): number {
    return this.x;
  }

  set(x: number, now: number): void {
    this.advance(now);
    this.x = x;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
  }

  /** The statistics since the last reset; the next period starts from the current value. */
  reset(now: number): { seconds: number; average: number; deviation: number; max: number } {
    this.advance(now);
    const seconds = this.elapsed;
    const average = seconds > 0 ? this.sumX / seconds : Number.NaN;
    const variance = seconds > 0 ? this.sumXX / seconds - average * average : Number.NaN;
    const result = { seconds, average, deviation: variance >= 0 ? Math.sqrt(variance) : Number.NaN, max: this.max };
    this.elapsed = this.sumX = this.sumXX = 0;
    this.min = this.max = this.x;
    return result;
  }

  private advance(now: number): void {
    const dt = Math.max(0, (now - this.last) / 1000);
    this.last = now;
    this.elapsed += dt;
    this.sumX += this.x * dt;
    this.sumXX += this.x * this.x * dt;
  }
}

/** What the last adjustment learned of a level's seat demand. */
export interface DemandStats {
  highWatermark: number;
  average: number;
  stdDev: number;
  smoothed: number;
}

export const noDemand = (): DemandStats => ({ highWatermark: 0, average: 0, stdDev: 0, smoothed: 0 });

/** Folds one period's integral into the stats: smoothed = max(envelope, A·smoothed + (1−A)·envelope), envelope = avg + stddev. */
export function updateDemand(stats: DemandStats, period: ReturnType<Integrator['reset']>): void {
  stats.highWatermark = Math.round(period.max);
  if (period.seconds <= 0) return;
  const deviation = Number.isNaN(period.deviation) ? 0 : period.deviation;
  stats.average = period.average;
  stats.stdDev = deviation;
  const envelope = period.average + deviation;
  stats.smoothed = Math.max(envelope, SMOOTHING * stats.smoothed + (1 - SMOOTHING) * envelope);
}

/** A level's configured limits. */
export interface Limits {
  nominal: number;
  min: number;
  max: number;
  /** The most seats one request may occupy here (0: the work estimator's own limit applies). */
  maxSeats: number;
  /** currentCL for a level just introduced: nominalCL − lendableCL/2. */
  initial: number;
}

export interface LevelShares {
  shares: number;
  lendablePercent: number | undefined;
  borrowingLimitPercent: number | undefined;
  /** A queuing level's hand size: it bounds maxSeats. */
  handSize: number | undefined;
}

export function limitsOf(level: LevelShares, serverConcurrencyLimit: number, shareSum: number): Limits {
  const nominal = shareSum > 0 ? Math.ceil((serverConcurrencyLimit * level.shares) / shareSum) : 0;
  const lendable = level.lendablePercent === undefined ? 0 : Math.round((nominal * level.lendablePercent) / 100);
  const borrowing = level.borrowingLimitPercent === undefined ? serverConcurrencyLimit : Math.round((nominal * level.borrowingLimitPercent) / 100);
  const maxSeats = level.handSize === undefined ? 0 : Math.max(1, Math.min(Math.ceil(nominal * MAX_SEATS_PERCENT), Math.trunc(nominal / level.handSize)));
  return { nominal, min: nominal - lendable, max: nominal + borrowing, maxSeats, initial: nominal - Math.trunc(lendable / 2) };
}

/** One level as the adjustment sees it. */
export interface Borrower {
  readonly exempt: boolean;
  readonly limits: Limits;
  readonly demand: DemandStats;
  /** Set by the adjustment. */
  currentLimit: number;
  /** The allocation target of the last adjustment (apiserver_flowcontrol_target_seats). */
  target: number;
}

interface AllocItem {
  target: number;
  lower: number;
  upper: number;
}

const MIN_TARGET = 0.001;
const EPSILON = 1e-7;

/**
 * kube's computeConcurrencyAllocation: allocations summing to `required`, each within its bounds,
 * and equal to fairProp × target wherever no bound applies. Returns undefined when impossible.
 */
export function allocate(required: number, items: readonly AllocItem[]): { allocs: number[]; fairProp: number } | undefined {
  if (required < 0) return undefined;
  let lowSum = 0;
  let highSum = 0;
  let targetSum = 0;
  const relative = items.map((item) => {
    const target = Math.max(item.target, MIN_TARGET);
    lowSum += item.lower;
    highSum += item.upper;
    targetSum += target;
    return { target, lower: item.lower / target, upper: item.upper / target };
  });
  if (items.some((item) => item.lower < 0 || item.target < item.lower || item.upper < item.lower)) return undefined;
  const lowerMax = Math.max(...relative.map((r) => r.lower));
  const lowerMin = Math.min(...relative.map((r) => r.lower));
  const upperMin = Math.min(...relative.map((r) => r.upper));
  const upperMax = Math.max(...relative.map((r) => r.upper));
  if (lowerMax > 1 || lowSum - required > EPSILON || required - highSum > EPSILON) return undefined;
  if (required === 0) return { allocs: items.map(() => 0), fairProp: 0 };
  if (lowSum - required > -EPSILON) return { allocs: items.map((i) => i.lower), fairProp: lowerMin };
  if (required - highSum > -EPSILON) return { allocs: items.map((i) => i.upper), fairProp: upperMax };
  let fairProp = required / targetSum;
  if (lowerMax <= fairProp && fairProp <= upperMin) return { allocs: relative.map((r) => r.target * fairProp), fairProp };
  // Some bounds matter: raise fairProp from the lowest bound, bound by bound, until the allocations sum to `required`.
  const bounds = relative.flatMap((r, i) => [{ at: r.lower, item: i, lower: true }, { at: r.upper, item: i, lower: false }]).sort((a, b) => a.at - b.at);
  let sum = lowSum;
  fairProp = lowerMin;
  // Between two bounds the sum grows at the rate of the targets of the items no bound holds (the sensitive ones).
  let sensitiveTargets = 0;
  let sensitiveCount = 0;
  let deltaTargets = 0;
  let deltaCount = 0;
  let next = 0;
  while (sum < required) {
    let bound: number;
    for (;;) {
      sensitiveTargets += deltaTargets;
      sensitiveCount += deltaCount;
      const b = bounds[next++];
      if (!b) return undefined;
      const target = relative[b.item]!.target;
      deltaTargets = b.lower ? target : -target;
      deltaCount = b.lower ? 1 : -1;
      bound = b.at;
      if (bound > fairProp) break;
    }
    if (sensitiveCount === 0) {
      fairProp = bound;
      continue;
    }
    const proposed = fairProp + (required - sum) / sensitiveTargets;
    if (proposed <= bound) {
      fairProp = proposed;
      break;
    }
    sum += (bound - fairProp) * sensitiveTargets;
    fairProp = bound;
  }
  return { allocs: items.map((item, i) => Math.max(item.lower, Math.min(item.upper, fairProp * relative[i]!.target))), fairProp };
}

/**
 * kube's updateBorrowing: new current limits from the demand of the period just ended.
 * Returns the fair fraction (apiserver_flowcontrol_seat_fair_frac).
 */
export function adjustLimits(levels: readonly Borrower[], nominalSum: number): number {
  let remaining = nominalSum;
  let minSum = 0;
  let minCurrentSum = 0;
  const limited: { level: Borrower; minCurrent: number }[] = [];
  for (const level of levels) {
    const { limits, demand } = level;
    if (level.exempt) {
      level.currentLimit = Math.max(limits.min, demand.highWatermark);
      level.target = 0;
      remaining -= level.currentLimit;
      continue;
    }
    const minCurrent = Math.max(limits.min, Math.min(limits.nominal, demand.highWatermark));
    level.target = Math.max(minCurrent, demand.smoothed);
    limited.push({ level, minCurrent });
    minSum += limits.min;
    minCurrentSum += minCurrent;
  }
  if (remaining <= minSum) {
    for (const { level } of limited) level.currentLimit = level.limits.min;
    return 0;
  }
  if (remaining <= minCurrentSum) {
    const share = (remaining - minSum) / (minCurrentSum - minSum);
    for (const { level, minCurrent } of limited) level.currentLimit = level.limits.min + Math.round((minCurrent - level.limits.min) * share);
    return 0;
  }
  const result = allocate(nominalSum, limited.map(({ level, minCurrent }) => ({ target: level.target, lower: minCurrent, upper: level.limits.max })));
  // Impossible bounds (cannot happen with sane limits): keep the limits in force.
  if (!result) return 0;
  limited.forEach(({ level }, i) => (level.currentLimit = Math.round(result.allocs[i]!)));
  return result.fairProp;
}
