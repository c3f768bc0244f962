using System.Diagnostics.Metrics;
using Rampart.Core.Monitoring;

namespace Rampart.Agent.Monitoring;

/// <summary>
/// The monitor's numbers as System.Diagnostics.Metrics instruments on the <see cref="MeterName"/> meter. All are
/// observable: they read <see cref="MonitorService.Statistics"/> when a listener collects, never on the packet path.
/// One collection reads the statistics once, however many instruments it observes.
/// </summary>
public sealed class RampartMetrics : IDisposable
{
    public const string MeterName = "Rampart";

    private static readonly TimeSpan ReuseFor = TimeSpan.FromMilliseconds(250);

    private readonly MonitorService _monitor;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private MonitorStatistics? _last;
    private long _lastTimestamp;

    public RampartMetrics(MonitorService monitor, TimeProvider timeProvider)
    {
        _monitor = monitor;
        _timeProvider = timeProvider;
        Meter = new Meter(MeterName, typeof(RampartMetrics).Assembly.GetName().Version?.ToString());
        Meter.CreateObservableUpDownCounter("rampart.ipsec.active_associations", () => Current().ActiveAssociations, "{association}", "SAs installed in the data path");
        Meter.CreateObservableCounter("rampart.ipsec.confidential_bytes", () => Directions(Current().ConfidentialBytesSent, Current().ConfidentialBytesReceived), "By", "Bytes carried encrypted");
        Meter.CreateObservableCounter("rampart.ipsec.authenticated_bytes", () => Directions(Current().AuthenticatedBytesSent, Current().AuthenticatedBytesReceived), "By", "Bytes carried with integrity protection");
        Counter("rampart.ipsec.bad_spi_packets", s => s.BadSpiPackets, "{packet}", "ESP/AH packets whose SPI matches no SA");
        Counter("rampart.ipsec.packets_not_decrypted", s => s.PacketsNotDecrypted, "{packet}", "Packets that failed to decrypt");
        Counter("rampart.ipsec.packets_not_authenticated", s => s.PacketsNotAuthenticated, "{packet}", "Packets that failed their integrity check");
        Counter("rampart.ipsec.replay_drops", s => s.ReplayDrops, "{packet}", "Packets dropped by the anti-replay window");
        Meter.CreateObservableUpDownCounter("rampart.ipsec.soft_associations", () => Current().SoftAssociations, "{association}", "Soft associations in force: clear traffic after the peer did not answer IKE");
        Counter("rampart.ike.main_modes", s => s.MainModes, "{negotiation}", "Main modes established");
        Counter("rampart.ike.quick_modes", s => s.QuickModes, "{negotiation}", "Quick modes established");
        Counter("rampart.ike.authentication_failures", s => s.AuthenticationFailures, "{failure}", "Peers that failed authentication");
        Counter("rampart.ike.negotiation_failures", s => s.NegotiationFailures, "{failure}", "Negotiations that failed");
        Counter("rampart.ike.key_additions", s => s.KeyAdditions, "{key}", "SAs IKE installed");
        Counter("rampart.ike.key_deletions", s => s.KeyDeletions, "{key}", "SAs IKE removed");
        Counter("rampart.ike.rekeys", s => s.Rekeys, "{key}", "SAs replaced at their lifetime");
        Counter("rampart.ike.dead_peers", s => s.DeadPeers, "{peer}", "Peers declared dead by dead peer detection");
        Counter("rampart.ike.main_mode_renewals", s => s.MainModeRenewals, "{negotiation}", "Main modes renegotiated while in use");
        Counter("rampart.ike.certificates_rejected", s => s.CertificatesRejected, "{certificate}", "Peer certificates refused (audited 544)");
        Counter("rampart.ike.crl_failures", s => s.CrlFailures, "{certificate}", "Peer certificates refused by CRL checking (revoked, or no valid CRL at level 2)");
        Counter("rampart.ike.dropped_datagrams", s => s.Flood.DroppedDatagrams, "{datagram}", "IKE datagrams dropped because the IKE loop's queue was full (a flood)");
        Counter("rampart.ike.half_open_evicted", s => s.Flood.HalfOpenEvicted, "{negotiation}", "Unproven half-open main modes evicted to admit new ones (a flood)");
        Counter("rampart.ike.half_open_refused", s => s.Flood.HalfOpenRefused, "{negotiation}", "Main mode requests refused because every half-open slot was proven (a flood)");
        Counter("rampart.audit.failures_summed_up", s => s.Flood.FailureAuditsSummedUp, "{record}", "Unauthenticated failure records summed up instead of written one by one");
        Counter("rampart.audit.records_dropped", s => s.Flood.AuditRecordsDropped, "{record}", "Audit records dropped because the audit writer's queue was full");
        Meter.CreateObservableUpDownCounter("rampart.ike.pending_key_operations", () => Current().PendingKeyOperations, "{negotiation}", "Negotiations in progress");
    }

    public Meter Meter { get; }

    public void Dispose() => Meter.Dispose();

    private void Counter(string name, Func<MonitorStatistics, long> read, string unit, string description) =>
        Meter.CreateObservableCounter(name, () => read(Current()), unit, description);

    private static Measurement<long>[] Directions(long sent, long received) =>
        [new(sent, new KeyValuePair<string, object?>("direction", "sent")), new(received, new KeyValuePair<string, object?>("direction", "received"))];

    private MonitorStatistics Current()
    {
        lock (_gate)
        {
            if (_last is null || _timeProvider.GetElapsedTime(_lastTimestamp) > ReuseFor)
            {
                _last = _monitor.Statistics();
                _lastTimestamp = _timeProvider.GetTimestamp();
            }

            return _last;
        }
    }
}
