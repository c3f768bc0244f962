using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Rampart.Agent.Bindings;
using Rampart.Agent.Control;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.Core.Algorithms;
using Rampart.Core.Control;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;

namespace Rampart.Agent.DataPath;

/// <summary>
/// Manual keying (<c>rampart sa add|list|delete</c>), for tests and for peers without IKE: the control handlers.
/// <see cref="ManualSaParser"/> reads the arguments (the same command on both hosts builds a working pair, as with
/// <c>ip xfrm state</c>); the manual bindings themselves belong to the <see cref="BindingManager"/>, changed on the
/// agent's loop in order with IKE's installs and the policy's changes. A manual SA covers all traffic between its two
/// addresses; a Negotiate filter for that traffic uses it instead of starting IKE.
/// Keys live only in memory, but the SAs' descriptions (never keys) are kept in RAMPART_HOME: an agent restarted
/// after a crash reserves their selectors, so that traffic stays blocked, not clear, until the SAs are added again.
/// </summary>
public sealed class ManualKeying(
    IkeService loop, DataPathService dataPath, PolicyState policyState, ControlDispatcher dispatcher, AgentOptions options) : IHostedService
{
    private string RememberedPath => Path.Combine(options.Home, "manual-sas.json");

    /// <summary>
    /// Posts the remembered SAs to the loop before anything else can (registered ahead of the policy agent, so the
    /// selectors are reserved before a policy is first in force), and sets the chains' count at once.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var remembered = LoadRemembered();
        dataPath.ManualSaCountChanged(remembered.Count);
        _ = loop.OnLoopAsync(bindings => Changed(bindings, () =>
        {
            bindings.RememberKeysLost(remembered);
            return bindings.ManualCount;
        }, save: false), CancellationToken.None);

        dispatcher.Register<SaAddArguments>("sa.add", async (arguments, cancellationToken) => await Add(arguments, cancellationToken).ConfigureAwait(false));
        dispatcher.Register<SaDeleteArguments>("sa.delete", async (arguments, cancellationToken) =>
            await loop.OnLoopAsync(bindings => Delete(bindings, arguments.Spi), cancellationToken).ConfigureAwait(false));
        dispatcher.Register("sa.list", async cancellationToken => await loop.OnLoopAsync(List, cancellationToken).ConfigureAwait(false));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task<SaRow> Add(SaAddArguments arguments, CancellationToken cancellationToken)
    {
        var spec = BuildSpec(arguments, out var selector);
        var manual = new ManualBinding(Row(spec, manual: true, counters: null), selector, spec);
        var error = await loop.OnLoopAsync(bindings => bindings.TryAddManual(manual, out var error) ? Changed<string?>(bindings, () => null) : error, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            spec.ZeroKeys();
            throw new ControlException(error);
        }

        return manual.Row;
    }

    private SaRow Delete(BindingManager bindings, uint spi)
    {
        ManualBinding? deleted = null;
        Changed(bindings, () => bindings.TryDeleteManual(spi, out deleted));
        return deleted?.Row ?? throw new ControlException($"no manual SA with SPI {spi}");
    }

    private static List<SaRow> List(BindingManager bindings) =>
        [.. bindings.DataPath.Database.Snapshot()
            .Select(sa => Row(sa.Spec, bindings.IsManual(sa.Spec.Spi), sa.Counters))
            .Concat(bindings.Manual.Where(m => m.KeysLost).Select(lost => lost.Row with { Security = lost.Row.Security + " (keys lost when the agent stopped: add again)" }))
            .OrderBy(row => row.Spi)];

    /// <summary>On the loop: a change to the manual bindings, then the file and the chains follow it.</summary>
    private T Changed<T>(BindingManager bindings, Func<T> change, bool save = true)
    {
        var result = change();
        if (save)
        {
            SaveRemembered(bindings.Manual);
        }

        dataPath.ManualSaCountChanged(bindings.ManualCount);
        return result;
    }

    private void SaveRemembered(IEnumerable<ManualBinding> manual)
    {
        var rows = manual.Select(m => m.Row).OrderBy(row => row.Spi).ToList();
        var temporary = RememberedPath + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(rows, ControlJson.Options));
        File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, RememberedPath, overwrite: true);
    }

    private List<ManualBinding> LoadRemembered()
    {
        try
        {
            var rows = JsonSerializer.Deserialize<List<SaRow>>(File.ReadAllText(RememberedPath), ControlJson.Options) ?? [];
            return [.. rows.Select(row => new ManualBinding(
                row with { Packets = 0, Bytes = 0, NotAuthenticated = 0, NotDecrypted = 0, ReplayDrops = 0 },
                new TrafficSelector(AddressPrefix.Host(IPAddress.Parse(row.Local)), AddressPrefix.Host(IPAddress.Parse(row.Remote))),
                Spec: null))];
        }
        catch (Exception e) when (e is FileNotFoundException or JsonException or FormatException or ArgumentException)
        {
            // Nothing remembered (or an unreadable file): there is nothing to hold back.
            return [];
        }
    }

    private SecurityAssociationSpec BuildSpec(SaAddArguments arguments, out TrafficSelector selector)
    {
        var mine = policyState.Current.Host.Unicast.Count > 0 ? policyState.Current.Host.Unicast : HostAddresses.Discover().Unicast;
        if (!ManualSaParser.TryParse(arguments, mine, out var spec, out var error))
        {
            throw new ControlException(error);
        }

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
