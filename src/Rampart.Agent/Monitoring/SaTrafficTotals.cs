using Rampart.DataPath.Database;

namespace Rampart.Agent.Monitoring;

/// <summary>
/// Confidential and authenticated byte totals since agent start. The per-SA counters vanish with their SA (rekey,
/// idle, delete), so each sample remembers every live SA's counts and adds those of SAs gone since the previous
/// sample to a retired total; the monitor samples once a second, so at most a second of a removed SA's traffic is missed.
/// </summary>
internal sealed class SaTrafficTotals
{
    private readonly Lock _gate = new();
    private Dictionary<SecurityAssociation, TrafficTotals> _live = new(ReferenceEqualityComparer.Instance);
    private TrafficTotals _retired;

    public TrafficTotals Sample(IReadOnlyList<SecurityAssociation> associations)
    {
        lock (_gate)
        {
            var live = new Dictionary<SecurityAssociation, TrafficTotals>(associations.Count, ReferenceEqualityComparer.Instance);
            var total = _retired;
            foreach (var sa in associations)
            {
                var counters = sa.Counters;
                var counts = new TrafficTotals(counters.ConfidentialBytesOut, counters.ConfidentialBytesIn, counters.AuthenticatedBytesOut, counters.AuthenticatedBytesIn);
                live[sa] = counts;
                total += counts;
            }

            foreach (var (sa, counts) in _live)
            {
                if (!live.ContainsKey(sa))
                {
                    _retired += counts;
                    total += counts;
                }
            }

            _live = live;
            return total;
        }
    }
}

internal readonly record struct TrafficTotals(long ConfidentialSent, long ConfidentialReceived, long AuthenticatedSent, long AuthenticatedReceived)
{
    public static TrafficTotals operator +(TrafficTotals left, TrafficTotals right) => new(
        left.ConfidentialSent + right.ConfidentialSent,
        left.ConfidentialReceived + right.ConfidentialReceived,
        left.AuthenticatedSent + right.AuthenticatedSent,
        left.AuthenticatedReceived + right.AuthenticatedReceived);
}
