using System.Net;
using Microsoft.Extensions.Logging;
using Rampart.Agent.Ike;
using Rampart.Agent.Policy;
using Rampart.DataPath.Database;
using Rampart.DataPath.PolicyEngine;
using Rampart.Ike;

namespace Rampart.Agent.Bindings;

/// <summary>
/// The one owner of the bindings' state (a binding: a filter and a host pair, and the SAs that serve it): the
/// negotiations IKE runs for them (with Request Security's fallback time), the installed SA pairs and a responder's
/// inbound SAs ahead of their pair, and the manual SAs (<c>rampart sa add</c>, in BindingManager.Manual.cs). Its
/// decisions for the packet path (soft, blocked, SAs) are published to the data path's immutable snapshot, which keeps
/// nothing else about a binding but the first packet's pending acquire.
/// Driven by the agent's loop only: not thread-safe.
/// </summary>
internal sealed partial class BindingManager(DataPathEngine dataPath, ILogger logger)
{
    // Longer than a Quick Mode can last (retransmits 1 + 2 + 4 + 8 + 16 s, then the engine gives up and deletes).
    private static readonly TimeSpan InboundOnlyLimit = TimeSpan.FromMinutes(2);

    private readonly Dictionary<Binding, PendingNegotiation> _pending = [];
    private readonly Dictionary<uint, InstalledPair> _pairs = [];
    private readonly Dictionary<uint, uint> _inboundByOutbound = [];
    private readonly Dictionary<uint, InboundOnly> _inboundOnly = [];

    public DataPathEngine DataPath => dataPath;

    public IReadOnlyCollection<PendingNegotiation> Negotiations => _pending.Values;

    public IReadOnlyCollection<InstalledPair> Pairs => _pairs.Values;

    public long KeyAdditions { get; private set; }

    public long KeyDeletions { get; private set; }

    /// <summary>
    /// True when a negotiation for the binding needs no start: ours runs, or the peer's Quick Mode for this traffic is
    /// completing (our reply to its first packet waits until its third message installs our outbound SA), or an SA
    /// arrived after the packet asked.
    /// </summary>
    public bool IsServed(Binding binding) =>
        _pending.ContainsKey(binding) || _inboundOnly.Values.Any(i => i.Binding == binding) || dataPath.Database.TryGetOutbound(binding, out _);

    public bool IsNegotiating(Binding binding) => _pending.ContainsKey(binding);

    public void StartNegotiation(PendingNegotiation negotiation) => _pending[negotiation.Binding] = negotiation;

    public void EndNegotiation(Binding binding) => _pending.Remove(binding);

    /// <summary>Our negotiations with <paramref name="peer"/> (for <paramref name="selector"/> only, when given).</summary>
    public List<PendingNegotiation> NegotiationsWith(IPAddress peer, ProxyIdentities? selector = null) =>
        [.. _pending.Values.Where(p => p.Negotiation.Peer.RemoteAddress.Equals(peer) && (selector is null || p.Negotiation.Selector == selector))];

    /// <summary>Soft association: the binding's traffic flows in clear, its held packets leave now.</summary>
    public void Soft(Binding binding) => dataPath.MarkSoft(binding);

    public bool IsSoft(Binding binding) => dataPath.IsSoft(binding);

    /// <summary>Negotiation failed: the binding's packets are dropped for the block duration.</summary>
    public void Block(Binding binding)
    {
        _pending.Remove(binding);
        dataPath.MarkNegotiationFailed(binding);
    }

    /// <summary>Forgets the binding's negotiation and decision: its next packet acquires afresh.</summary>
    public void Forget(Binding binding)
    {
        _pending.Remove(binding);
        dataPath.ClearNegotiation(binding);
    }

    /// <summary>
    /// A policy takes over: the data path swaps its snapshot and the old policy's negotiations end. Returns the pairs
    /// no rule of the new policy would negotiate, for IKE to delete (telling the peer).
    /// </summary>
    public List<InstalledPair> ApplyPolicy(AppliedPolicy applied)
    {
        dataPath.Apply(applied.Compiled);
        _pending.Clear();
        return [.. _pairs.Values.Where(pair => !(pair.Binding is { } binding
            ? pair.PolicyName == applied.Compiled.PolicyName && PolicyIkeMapping.BindingFor(applied, pair.Selector) == binding
            : PolicyIkeMapping.FindQuickMode(applied, pair.Selector) is not null))];
    }

    /// <summary>The installed pair an SA belongs to (by either SPI).</summary>
    public bool TryGetPair(uint spi, bool inbound, out InstalledPair pair) =>
        _pairs.TryGetValue(inbound ? spi : _inboundByOutbound.GetValueOrDefault(spi), out pair!);

    public bool HasPair(uint inboundSpi) => _pairs.ContainsKey(inboundSpi);

    /// <summary>Installs the SA pair IKE negotiated: inbound first, so the peer's answer to the first released packet finds its SA.</summary>
    public InstalledPair? Install(IpsecSaSpec inbound, IpsecSaSpec outbound, AppliedPolicy applied)
    {
        var peer = outbound.Destination.Address;
        var pending = _pending.Values.FirstOrDefault(p => p.Negotiation.Peer.RemoteAddress.Equals(peer) && p.Negotiation.Selector == outbound.Selector);
        var binding = pending?.Binding ?? PolicyIkeMapping.BindingFor(applied, outbound.Selector);
        var inboundSpec = IkeSaMapping.ToSpec(inbound, inbound: true);
        var outboundSpec = IkeSaMapping.ToSpec(outbound, inbound: false);

        // A responder's inbound SA is there already.
        var inboundReady = _inboundOnly.Remove(inbound.Spi);
        bool installed;
        if (binding is { } key)
        {
            installed = inboundReady || dataPath.InstallInbound(key, inboundSpec, out _);
            if (installed)
            {
                dataPath.InstallOutbound(key, outboundSpec, out _);
            }
        }
        else
        {
            var selector = PolicyIkeMapping.ToDataPathSelector(outbound.Selector);
            installed = inboundReady || dataPath.InstallInbound(selector, inboundSpec, out _);
            if (installed)
            {
                dataPath.InstallOutbound(selector, outboundSpec, out _);
            }
        }

        if (pending is not null)
        {
            _pending.Remove(pending.Binding);
        }

        // Keys of a spec that did not become an SA (a responder's inbound SA was there already, or the SPI was taken).
        if (inboundReady)
        {
            inboundSpec.ZeroKeys();
        }

        if (!installed)
        {
            outboundSpec.ZeroKeys();
            LogInstallFailed(logger, inbound.Spi);
            return null;
        }

        KeyAdditions += 2;
        var pair = new InstalledPair(inbound.Spi, outbound.Spi, peer, binding, outbound.Selector, applied.Compiled.PolicyName, pending?.Negotiation);
        _pairs[inbound.Spi] = pair;
        _inboundByOutbound[outbound.Spi] = inbound.Spi;
        LogInstalled(logger, inbound, outbound, binding);
        return pair;
    }

    /// <summary>
    /// A responder's inbound SA ahead of its pair (see <see cref="InstallInboundIpsecSa"/>); one whose Quick Mode never
    /// completes is removed by the engine's delete or, if its ISAKMP SA vanished first, by <see cref="ForgetStaleInboundOnly"/>.
    /// </summary>
    public void InstallInboundOnly(IpsecSaSpec inbound, AppliedPolicy applied, DateTimeOffset now)
    {
        var spec = IkeSaMapping.ToSpec(inbound, inbound: true);
        var binding = PolicyIkeMapping.BindingFor(applied, inbound.Selector);
        var installed = binding is { } key
            ? dataPath.InstallInbound(key, spec, out _)
            : dataPath.InstallInbound(PolicyIkeMapping.ToDataPathSelector(inbound.Selector), spec, out _);
        if (installed)
        {
            _inboundOnly[inbound.Spi] = new InboundOnly(binding, now);
        }
        else
        {
            spec.ZeroKeys();
        }
    }

    /// <summary>IKE deleted an SA: its pair, or a responder's inbound SA that never got its pair.</summary>
    public void Deleted(uint inboundSpi)
    {
        if (_pairs.TryGetValue(inboundSpi, out var pair))
        {
            Remove(pair);
        }
        else if (_inboundOnly.Remove(inboundSpi))
        {
            dataPath.RemoveInbound(inboundSpi);
        }
    }

    public void ForgetStaleInboundOnly(DateTimeOffset now)
    {
        foreach (var spi in _inboundOnly.Where(entry => now - entry.Value.Since > InboundOnlyLimit).Select(entry => entry.Key).ToList())
        {
            _inboundOnly.Remove(spi);
            dataPath.RemoveInbound(spi);
        }
    }

    public void Remove(InstalledPair pair)
    {
        _pairs.Remove(pair.InboundSpi);
        _inboundByOutbound.Remove(pair.OutboundSpi);
        dataPath.RemoveInbound(pair.InboundSpi);
        KeyDeletions++;
        if (!IsCurrentOutbound(pair))
        {
            return;
        }

        KeyDeletions++;
        if (pair.Binding is { } binding)
        {
            dataPath.RemoveOutbound(binding);
        }
        else
        {
            dataPath.RemoveOutbound(PolicyIkeMapping.ToDataPathSelector(pair.Selector));
        }
    }

    /// <summary>False once a rekey replaced the pair's outbound SA (the old inbound SA lives on until it expires).</summary>
    public bool IsCurrentOutbound(InstalledPair pair) => pair.Binding is { } binding
        ? dataPath.Database.TryGetOutbound(binding, out var sa) && sa.Spec.Spi == pair.OutboundSpi
        : dataPath.Database.OutboundSnapshot().Any(entry => entry.Value.Spec.Spi == pair.OutboundSpi);

    /// <summary><c>rampart agent restart</c>: every negotiated binding is forgotten, manual ones lose their keys (the data path was reset just before).</summary>
    public void Clear()
    {
        _pending.Clear();
        _pairs.Clear();
        _inboundOnly.Clear();
        _inboundByOutbound.Clear();
        LoseManualKeys();
    }

    [LoggerMessage(EventId = 504, Level = LogLevel.Information, Message = "SA pair installed for {Binding}: in {Inbound}, out {Outbound}")]
    private static partial void LogInstalled(ILogger logger, IpsecSaSpec inbound, IpsecSaSpec outbound, Binding? binding);

    [LoggerMessage(EventId = 505, Level = LogLevel.Warning, Message = "Inbound SPI {Spi} is taken; the negotiated SA pair was not installed")]
    private static partial void LogInstallFailed(ILogger logger, uint spi);
}
