using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using Rampart.Agent.Control;
using Rampart.Agent.DataPath;
using Rampart.Agent.Policy;
using Rampart.Core.Filtering;
using Rampart.Core.Monitoring;
using Rampart.Core.Policy;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.Monitoring;

/// <summary>
/// The IP Security Monitor's source: answers <c>monitor.snapshot</c> with the data path's bindings and SAs, IKE's main
/// modes and the statistics, and feeds <see cref="RampartMetrics"/>. Everything is read from counters the packet path
/// already keeps, so watching costs the packet path nothing.
/// </summary>
public sealed class MonitorService(
    DataPathEngine engine,
    PolicyState policyState,
    IIkeStatisticsSource ike,
    ControlDispatcher dispatcher,
    TimeProvider timeProvider) : BackgroundService
{
    public const string SnapshotCommand = "monitor.snapshot";

    private readonly SaTrafficTotals _traffic = new();

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        dispatcher.Register(SnapshotCommand, _ => ValueTask.FromResult<object?>(Snapshot()));
        return base.StartAsync(cancellationToken);
    }

    /// <summary>Samples the SA counters every second so the byte totals keep the traffic of SAs that go away.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                _traffic.Sample(engine.Database.Snapshot());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public MonitorSnapshot Snapshot()
    {
        var applied = policyState.Current;
        var filters = engine.Policy.Filters.Filters
            .ToLookup(filter => (filter.RuleIndex, filter.FilterIndex));
        var rows = engine.Bindings()
            .Select(binding => Row(binding, applied.Snapshot, filters))
            .OrderBy(row => row.Policy, StringComparer.Ordinal)
            .ThenBy(row => row.Destination, StringComparer.Ordinal)
            .ThenBy(row => row.Filter, StringComparer.Ordinal)
            .ToList();
        return new MonitorSnapshot(timeProvider.GetUtcNow(), applied.Policy?.Name, rows, ike.MainModeAssociations(), Statistics());
    }

    public MonitorStatistics Statistics()
    {
        var database = engine.Database;
        var traffic = _traffic.Sample(database.Snapshot());
        var dataPath = engine.Statistics;
        var keying = ike.Statistics();
        return new MonitorStatistics(
            ActiveAssociations: database.Count,
            ConfidentialBytesSent: traffic.ConfidentialSent,
            ConfidentialBytesReceived: traffic.ConfidentialReceived,
            AuthenticatedBytesSent: traffic.AuthenticatedSent,
            AuthenticatedBytesReceived: traffic.AuthenticatedReceived,
            BadSpiPackets: database.BadSpiPackets,
            PacketsNotDecrypted: dataPath.NotDecrypted,
            PacketsNotAuthenticated: dataPath.NotAuthenticated,
            ReplayDrops: dataPath.ReplayDrops,
            SoftAssociations: dataPath.ActiveSoftAssociations,
            MainModes: keying.MainModes,
            QuickModes: keying.QuickModes,
            AuthenticationFailures: keying.AuthenticationFailures,
            NegotiationFailures: keying.NegotiationFailures,
            PendingKeyOperations: keying.PendingKeyOperations,
            KeyAdditions: keying.KeyAdditions,
            KeyDeletions: keying.KeyDeletions,
            Rekeys: keying.Rekeys,
            DeadPeers: keying.DeadPeers,
            MainModeRenewals: keying.MainModeRenewals)
        {
            Flood = keying.Flood,
            CertificatesRejected = keying.CertificatesRejected,
            CrlFailures = keying.CrlFailures,
        };
    }

    private MonitoredAssociation Row(BindingInfo binding, PolicySnapshot policies, ILookup<(int, int), PacketFilter> filters)
    {
        var database = engine.Database;
        SecurityAssociation? outbound = null;
        if (binding.OutboundSpi is not null)
        {
            database.TryGetOutbound(binding.Key, out outbound);
        }

        long bytesReceived = 0;
        SecurityAssociation? newestInbound = null;
        foreach (var spi in binding.InboundSpis)
        {
            if (database.TryGetInbound(spi, out var inbound))
            {
                bytesReceived += inbound.Counters.BytesIn;
                if (newestInbound is null || inbound.InstalledTimestamp > newestInbound.InstalledTimestamp)
                {
                    newestInbound = inbound;
                }
            }
        }

        var sa = outbound ?? newestInbound;
        var now = timeProvider.GetUtcNow();
        var age = sa is not null ? timeProvider.GetElapsedTime(sa.InstalledTimestamp) : now - (binding.Since ?? now);
        long? lifetimeLeft = binding.Status == BindingStatus.Blocked && binding.Until is { } until
            ? Seconds(until - now)
            : sa?.Spec.Lifetime.HardSeconds is > 0 and var hard ? Math.Max(0, hard - Seconds(age)) : null;
        var (filter, source, destination, protocol, sourcePort, destinationPort) = Traffic(binding, policies, filters);
        return new MonitoredAssociation(
            Policy: binding.Status == BindingStatus.Soft ? MonitoredAssociation.NoPolicy
                : binding.Key.IsSelector ? MonitoredAssociation.SelectorPolicy
                : binding.PolicyName,
            FilterList: binding.Rule?.FilterListName,
            FilterAction: binding.Rule?.FilterActionName,
            Filter: filter,
            Source: source,
            Destination: destination,
            Protocol: protocol,
            SourcePort: sourcePort,
            DestinationPort: destinationPort,
            Status: binding.Status.ToString().ToLowerInvariant(),
            Security: sa is null ? "none" : ManualKeying.Security(sa.Spec),
            Mode: sa?.Spec.Mode.ToString().ToLowerInvariant(),
            TunnelEndpoint: binding.Rule?.TunnelEndpoint?.ToString() ?? sa?.Spec.TunnelRemote?.ToString(),
            InboundSpi: newestInbound?.Spec.Spi,
            OutboundSpi: outbound?.Spec.Spi,
            BytesSent: outbound?.Counters.BytesOut ?? 0,
            BytesReceived: bytesReceived,
            AgeSeconds: Seconds(age),
            LifetimeLeftSeconds: lifetimeLeft);
    }

    /// <summary>The traffic a row carries: the policy filter (the half whose source is this host) or the selector.</summary>
    private static (string Filter, string Source, string Destination, string Protocol, string SourcePort, string DestinationPort) Traffic(
        BindingInfo binding, PolicySnapshot policies, ILookup<(int, int), PacketFilter> filters)
    {
        if (binding.Selector is { } selector)
        {
            return (selector.ToString(), selector.Local.ToString(), selector.Remote.ToString(), Filter.ProtocolName(selector.Protocol), Port(selector.LocalPort), Port(selector.RemotePort));
        }

        var halves = filters[(binding.Key.RuleIndex, binding.Key.FilterIndex)].ToList();
        var local = binding.Local is null ? (UInt128?)null : AddressPrefix.ToNumber(binding.Local).Value;
        var compiled = halves.Find(f => local is { } address && f.Source.Contains(address)) ?? halves.Find(f => !f.IsMirrorImage);
        var text = policies.FindFilterList(binding.Rule?.FilterListName ?? "")?.Filters is { } list && binding.Key.FilterIndex < list.Count
            ? list[binding.Key.FilterIndex].ToString()
            : compiled?.ToString() ?? "";
        return (
            text,
            Address(binding.Local) ?? compiled?.Source.ToString() ?? "any",
            Address(binding.Peer) ?? compiled?.Destination.ToString() ?? "any",
            Filter.ProtocolName(compiled?.Protocol),
            Port(compiled?.SourcePort),
            Port(compiled?.DestinationPort));
    }

    private static string? Address(IPAddress? address) => address?.ToString();

    private static string Port(ushort? port) => port?.ToString(CultureInfo.InvariantCulture) ?? "any";

    private static long Seconds(TimeSpan span) => (long)Math.Max(0, span.TotalSeconds);
}
