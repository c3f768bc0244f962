using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Rampart.Agent.Bindings;
using Rampart.Agent.Control;
using Rampart.Agent.Policy;
using Rampart.Core.Algorithms;
using Rampart.Core.Control;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.PolicyEngine;

namespace Rampart.Agent.DataPath;

/// <summary>
/// Manual keying (<c>rampart sa add|list|delete</c>), for tests and for peers without IKE: the control handlers;
/// <see cref="ManualSaParser"/> reads the arguments (the same command on both hosts builds a working pair, as with
/// <c>ip xfrm state</c>) and the changes run on the agent's loop. A manual SA covers
/// all traffic between its two addresses; a Negotiate filter for that traffic uses it instead of starting IKE.
/// Keys live only in memory, but the SAs' descriptions (never keys) are kept in RAMPART_HOME: an agent restarted
/// after a crash reserves their selectors, so that traffic stays blocked, not clear, until the SAs are added again.
/// </summary>
public sealed class ManualKeying(
    DataPathEngine engine, DataPathService dataPath, PolicyState policyState, ControlDispatcher dispatcher, AgentInbox loop, AgentOptions options) : IHostedService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<uint, ManualSa> _manual = [];
    private readonly Dictionary<uint, RememberedSa> _keysLost = [];

    private string RememberedPath => Path.Combine(options.Home, "manual-sas.json");

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var remembered in LoadRemembered())
            {
                _keysLost[remembered.Spi] = remembered;
                if (remembered.Outbound)
                {
                    engine.RequireSecurity(remembered.Selector);
                }
            }

            dataPath.ManualSaCountChanged(_keysLost.Count);
        }

        // Changes run on the agent's loop, in order with IKE's installs and the policy's changes.
        dispatcher.Register<SaAddArguments>("sa.add", async (arguments, cancellationToken) => await loop.InvokeAsync(() => Add(arguments), cancellationToken).ConfigureAwait(false));
        dispatcher.Register<SaDeleteArguments>("sa.delete", async (arguments, cancellationToken) => await loop.InvokeAsync(() => Delete(arguments.Spi), cancellationToken).ConfigureAwait(false));
        dispatcher.Register("sa.list", _ => ValueTask.FromResult<object?>(List()));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private SaRow Add(SaAddArguments arguments)
    {
        var spec = BuildSpec(arguments, out var outbound, out var selector);
        lock (_gate)
        {
            if (_manual.ContainsKey(spec.Spi))
            {
                throw new ControlException($"SPI {spec.Spi} is already in use; delete it first");
            }

            if (outbound)
            {
                engine.InstallOutbound(selector, spec, out _);
            }
            else if (!engine.InstallInbound(selector, spec, out _))
            {
                throw new ControlException($"SPI {spec.Spi} is already in use by an SA negotiated by IKE");
            }

            _manual[spec.Spi] = new ManualSa(spec, outbound, selector);
            _keysLost.Remove(spec.Spi);
            SaveRemembered();
            dataPath.ManualSaCountChanged(_manual.Count + _keysLost.Count);
        }

        return Row(spec, manual: true, counters: null);
    }

    private SaRow Delete(uint spi)
    {
        lock (_gate)
        {
            if (_keysLost.Remove(spi, out var lost))
            {
                if (lost.Outbound && !_manual.Values.Any(m => m.Outbound && m.Selector == lost.Selector))
                {
                    engine.RemoveOutbound(lost.Selector);
                }

                SaveRemembered();
                dataPath.ManualSaCountChanged(_manual.Count + _keysLost.Count);
                return lost.Row;
            }

            if (!_manual.Remove(spi, out var sa))
            {
                throw new ControlException($"no manual SA with SPI {spi}");
            }

            if (sa.Outbound)
            {
                engine.RemoveOutbound(sa.Selector);
            }
            else
            {
                engine.RemoveInbound(spi);
            }

            SaveRemembered();
            dataPath.ManualSaCountChanged(_manual.Count + _keysLost.Count);
            return Row(sa.Spec, manual: true, counters: null);
        }
    }

    private List<SaRow> List()
    {
        lock (_gate)
        {
            return [.. engine.Database.Snapshot()
                .Select(sa => Row(sa.Spec, _manual.ContainsKey(sa.Spec.Spi), sa.Counters))
                .Concat(_keysLost.Values.Select(lost => lost.Row with { Security = lost.Row.Security + " (keys lost when the agent stopped: add again)" }))
                .OrderBy(row => row.Spi)];
        }
    }

    private void SaveRemembered()
    {
        var rows = _manual.Values.Select(m => Row(m.Spec, manual: true, counters: null)).Concat(_keysLost.Values.Select(lost => lost.Row)).ToList();
        var temporary = RememberedPath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(rows, ControlJson.Options));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, RememberedPath, overwrite: true);
    }

    private List<RememberedSa> LoadRemembered()
    {
        try
        {
            var rows = JsonSerializer.Deserialize<List<SaRow>>(File.ReadAllText(RememberedPath), ControlJson.Options) ?? [];
            return [.. rows.Select(row => new RememberedSa(
                row with { Packets = 0, Bytes = 0, NotAuthenticated = 0, NotDecrypted = 0, ReplayDrops = 0 },
                row.Direction == "outbound",
                new TrafficSelector(AddressPrefix.Host(IPAddress.Parse(row.Local)), AddressPrefix.Host(IPAddress.Parse(row.Remote)))))];
        }
        catch (Exception e) when (e is FileNotFoundException or JsonException or FormatException or ArgumentException)
        {
            // Nothing remembered (or an unreadable file): there is nothing to hold back.
            return [];
        }
    }

    private SecurityAssociationSpec BuildSpec(SaAddArguments arguments, out bool outbound, out TrafficSelector selector)
    {
        var mine = policyState.Current.Host.Unicast.Count > 0 ? policyState.Current.Host.Unicast : HostAddresses.Discover().Unicast;
        if (!ManualSaParser.TryParse(arguments, mine, out var spec, out var error))
        {
            throw new ControlException(error);
        }

        outbound = spec.Direction == SaDirection.Outbound;
        selector = new TrafficSelector(AddressPrefix.Host(spec.LocalAddress), AddressPrefix.Host(spec.RemoteAddress));
        return spec;
    }

    private static SaRow Row(SecurityAssociationSpec spec, bool manual, Rampart.DataPath.Database.SaCounters? counters) => new(
        spec.Spi,
        spec.Direction.ToString().ToLowerInvariant(),
        spec.Protocol.ToString().ToUpperInvariant(),
        spec.Mode.ToString().ToLowerInvariant(),
        spec.LocalAddress.ToString(),
        spec.RemoteAddress.ToString(),
        spec.Mode == SaMode.Tunnel ? $"{spec.TunnelLocal} - {spec.TunnelRemote}" : null,
        spec.Encapsulation is null ? null : string.Create(CultureInfo.InvariantCulture, $"udp {spec.Encapsulation.LocalPort}"),
        Security(spec),
        manual,
        counters is null ? 0 : counters.PacketsIn + counters.PacketsOut,
        counters is null ? 0 : counters.BytesIn + counters.BytesOut,
        counters?.NotAuthenticated ?? 0,
        counters?.NotDecrypted ?? 0,
        counters?.ReplayDrops ?? 0);

    /// <summary>How the monitor names an SA's protection, e.g. "ESP AES-GCM-128" or "AH SHA-256".</summary>
    public static string Security(SecurityAssociationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Protocol == SaProtocol.Ah)
        {
            return "AH " + AlgorithmCatalog.DisplayName(spec.Integrity);
        }

        return spec.Integrity == IntegrityAlgorithm.None
            ? "ESP " + AlgorithmCatalog.DisplayName(spec.Cipher)
            : $"ESP {AlgorithmCatalog.DisplayName(spec.Cipher)}/{AlgorithmCatalog.DisplayName(spec.Integrity)}";
    }

    private sealed record ManualSa(SecurityAssociationSpec Spec, bool Outbound, TrafficSelector Selector);

    private sealed record RememberedSa(SaRow Row, bool Outbound, TrafficSelector Selector)
    {
        public uint Spi => Row.Spi;
    }
}

public sealed class SaDeleteArguments
{
    public uint Spi { get; set; }
}

/// <summary>One SA as <c>rampart sa list</c> shows it: never its keys. SPIs are unsigned.</summary>
public sealed record SaRow(
    uint Spi,
    string Direction,
    string Protocol,
    string Mode,
    string Local,
    string Remote,
    string? Tunnel,
    string? Encapsulation,
    string Security,
    bool Manual,
    long Packets,
    long Bytes,
    long NotAuthenticated,
    long NotDecrypted,
    long ReplayDrops);
