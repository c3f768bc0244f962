using System.Collections.Concurrent;
using Rampart.Core;
using Rampart.Core.Filtering;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Ipsec;

namespace Rampart.DataPath.PolicyEngine;

/// <summary>
/// The data path's decisions between the filter table and the SA database, free of I/O and driven by a
/// <see cref="TimeProvider"/>: the I/O layer hands every outbound and inbound IP packet to
/// <see cref="ProcessOutbound"/> / <see cref="ProcessInbound"/> and applies the returned <see cref="PacketVerdict"/>;
/// the agent's binding manager takes the acquires (<see cref="IAcquireSink"/>), installs SAs, publishes its decisions
/// (soft, blocked) and calls <see cref="Poll"/> about once a second, all from its one event loop.
/// The packet path keeps only what the first packet of a binding needs: it classifies, protects or unprotects
/// against the published snapshot, holds the packet (bounded) and raises the acquire once. Held packets leave by
/// the way they came (<see cref="IPacketExit"/>: their netfilter verdict) when the binding is settled.
/// </summary>
/// <remarks>
/// Thread safety: any number of workers may process packets at once. The policy, the selector SAs, the inbound
/// SA owners and the per-binding decisions form one immutable snapshot replaced (copy-on-write) by the binding
/// manager's calls, so the packet path takes no lock and allocates nothing once SAs are up. Pending acquires and
/// their held packets live in a concurrent dictionary that the packet path only touches for bindings without an SA.
/// Unparsable packets are accepted while nothing is secured and dropped (fail closed) once the policy has a Negotiate
/// filter or a selector SA is installed: the local stack rarely emits junk, and passing it could leak clear traffic.
/// Until the first <see cref="Apply"/> no policy decision is in force: every packet that is not exempt is dropped,
/// so a (re)starting agent never lets through what the policy it has not read yet would stop.
/// </remarks>
public sealed partial class DataPathEngine
{
    private const byte ProtocolEsp = 50;
    private const byte ProtocolAh = 51;

    /// <summary>How stale a soft association's last-use time may get: the idle check is this much approximate.</summary>
    private static readonly TimeSpan SoftTouchGranularity = TimeSpan.FromSeconds(1);

    private readonly Lock _writeLock = new();
    private readonly TimeProvider _time;
    private readonly DataPathEngineOptions _options;
    private readonly IpsecProcessor _processor;
    private readonly ConcurrentDictionary<Binding, PendingAcquire> _pending = new();
    private readonly IAcquireSink _acquires;
    private readonly PacketBufferPool _pool;
    private readonly long _acquireRetryTicks;
    private readonly long _holdTicks;
    private readonly long _softIdleTicks;
    private readonly long _touchTicks;
    private EngineState _state = EngineState.Empty;
    private int _pendingCount;
    private int _nextSelectorId;

    /// <param name="database">The SAs.</param>
    /// <param name="options">Limits and timeouts.</param>
    /// <param name="acquires">Where acquires go; by default an <see cref="AcquireQueue"/> read through <see cref="Acquires"/>.</param>
    public DataPathEngine(SecurityAssociationDatabase database, DataPathEngineOptions? options = null, IAcquireSink? acquires = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _options = options ?? new DataPathEngineOptions();
        _time = database.Time;
        _processor = new IpsecProcessor(database);
        Acquires = new AcquireQueue(_options.AcquireQueueCapacity);
        _acquires = acquires ?? Acquires;

        // Enough idle buffers for a few dozen bindings' worth of held packets; more are allocated (and dropped) as needed.
        _pool = new PacketBufferPool(_options.MaxHeldPacketsPerBinding * 64);
        _acquireRetryTicks = ToTicks(_options.AcquireRetryInterval);
        _holdTicks = ToTicks(_options.HoldTimeout);
        _softIdleTicks = ToTicks(database.IdleTimeout);
        _touchTicks = ToTicks(SoftTouchGranularity);
    }

    public SecurityAssociationDatabase Database => _processor.Database;

    public DataPathStatistics Statistics { get; } = new();

    /// <summary>The acquires, when no other <see cref="IAcquireSink"/> was given: a bounded queue, so a flood of new peers cannot grow memory.</summary>
    public AcquireQueue Acquires { get; }

    /// <summary>The policy in force (<see cref="CompiledPolicy.None"/> until one is applied).</summary>
    public CompiledPolicy Policy => Volatile.Read(ref _state).Policy;

    /// <summary>False until the first <see cref="Apply"/> (even of <see cref="CompiledPolicy.None"/>): meanwhile non-exempt traffic is dropped.</summary>
    public bool PolicyInForce => Volatile.Read(ref _state).InForce;

    /// <summary>Decides what to do with a packet this host sends; on <see cref="PacketAction.AcceptModified"/> the buffer holds the ESP/AH packet.</summary>
    public PacketVerdict ProcessOutbound(PacketBuffer packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var state = Volatile.Read(ref _state);
        if (!FlowKey.TryParse(packet.Span, out var flow))
        {
            return Unparsable(state);
        }

        var decision = state.Policy.Filters.Classify(flow, TrafficDirection.Outbound);
        if (decision.Kind == FilterDecisionKind.Exempt)
        {
            return PacketVerdict.Accept;
        }

        if (!state.InForce)
        {
            return Drop(DropReason.PolicyNotInForce);
        }

        if (decision.Kind == FilterDecisionKind.NoMatch)
        {
            if (TryFindSelectorSa(state, flow, out var selectorSa))
            {
                return Protect(selectorSa, packet);
            }

            return HasOutboundSelector(state, flow) ? Drop(DropReason.SelectorWithoutSa) : PacketVerdict.Accept;
        }

        var filter = decision.Filter!;
        switch (filter.Verdict)
        {
            case FilterVerdict.Permit:
                return PacketVerdict.Accept;
            case FilterVerdict.Block:
                return Drop(DropReason.Blocked);
        }

        if (!state.TryGetRule(filter.RuleIndex, out var rule))
        {
            return Drop(DropReason.Blocked);
        }

        var key = rule.BindingKey(filter, flow.Source, flow.Destination, flow.IsIPv6);
        if (Database.TryGetOutbound(key, out var sa) || TryFindSelectorSa(state, flow, out sa))
        {
            return Protect(sa, packet);
        }

        return NoSecurityAssociation(state, key, rule, filter, flow, packet);
    }

    /// <summary>
    /// Decides what to do with a packet this host receives. ESP, AH and ESP-in-UDP are verified and decrypted in place
    /// (<see cref="PacketAction.AcceptModified"/>: the buffer holds the inner packet); IKE and NAT keepalives on port 4500
    /// pass unchanged; clear packets are checked against policy.
    /// </summary>
    public PacketVerdict ProcessInbound(PacketBuffer packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        var state = Volatile.Read(ref _state);
        if (!FlowKey.TryParse(packet.Span, out var flow))
        {
            return Unparsable(state);
        }

        if (flow.Protocol is ProtocolEsp or ProtocolAh
            || (flow.Protocol == FlowKey.Udp && flow.DestinationPort == IkePorts.NatTraversal))
        {
            return Unprotect(state, packet);
        }

        var decision = state.Policy.Filters.Classify(flow, TrafficDirection.Inbound);
        if (decision.Kind == FilterDecisionKind.Exempt)
        {
            return PacketVerdict.Accept;
        }

        if (!state.InForce)
        {
            return Drop(DropReason.PolicyNotInForce);
        }

        if (decision.Kind == FilterDecisionKind.NoMatch)
        {
            // Traffic a selector SA covers must arrive through it.
            return HasInboundSelector(state, flow) ? Drop(DropReason.UnsecuredInbound) : PacketVerdict.Accept;
        }

        var filter = decision.Filter!;
        switch (filter.Verdict)
        {
            case FilterVerdict.Permit:
                return PacketVerdict.Accept;
            case FilterVerdict.Block:
                return Drop(DropReason.Blocked);
        }

        if (!state.TryGetRule(filter.RuleIndex, out var rule))
        {
            return Drop(DropReason.Blocked);
        }

        if (rule.Rule.AcceptUnsecured)
        {
            // "Accept unsecured communication, but always respond using IPsec": the reply triggers negotiation.
            return PacketVerdict.Accept;
        }

        var key = rule.BindingKey(filter, flow.Destination, flow.Source, flow.IsIPv6);
        if (state.Decisions.TryGetValue(key, out var soft) && soft.Kind == BindingDecisionKind.Soft)
        {
            soft.Touch(_time.GetTimestamp(), _touchTicks);
            return PacketVerdict.Accept;
        }

        return Drop(DropReason.UnsecuredInbound);
    }

    private long ToTicks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private PacketVerdict Unparsable(EngineState state) =>
        state.FailClosed ? Drop(DropReason.Unparsable) : PacketVerdict.Accept;

    private PacketVerdict Drop(DropReason reason)
    {
        Statistics.CountDrop(reason);
        return PacketVerdict.Drop(reason);
    }

    private PacketVerdict Protect(SecurityAssociation sa, PacketBuffer packet)
    {
        if (_processor.Protect(sa, packet) != PacketStatus.Ok)
        {
            return Drop(DropReason.SaRefused);
        }

        Statistics.CountProtected();
        return PacketVerdict.AcceptModified;
    }

    private PacketVerdict Unprotect(EngineState state, PacketBuffer packet)
    {
        var status = _processor.Unprotect(packet, out var sa);
        switch (status)
        {
            case PacketStatus.Ok:
                break;
            case PacketStatus.NotEsp:
                return PacketVerdict.Accept;
            default:
                return Drop(status switch
                {
                    PacketStatus.BadSpi => DropReason.BadSpi,
                    PacketStatus.AuthenticationFailed => DropReason.NotAuthenticated,
                    PacketStatus.DecryptFailed => DropReason.NotDecrypted,
                    PacketStatus.Replay => DropReason.Replay,
                    PacketStatus.Dummy => DropReason.Dummy,
                    PacketStatus.LifetimeExpired or PacketStatus.SequenceExhausted => DropReason.SaRefused,
                    _ => DropReason.Malformed,
                });
        }

        if (!FlowKey.TryParse(packet.Span, out var inner)
            || !state.InboundOwners.TryGetValue(sa!.Spec.Spi, out var owner)
            || !Serves(state, owner, inner))
        {
            return Drop(DropReason.PolicyMismatch);
        }

        Statistics.CountUnprotected();
        return PacketVerdict.AcceptModified;
    }

    /// <summary>True when the decrypted packet is traffic the SA it arrived through may carry.</summary>
    private static bool Serves(EngineState state, InboundOwner owner, in FlowKey inner)
    {
        var decision = state.Policy.Filters.Classify(inner, TrafficDirection.Inbound);
        var filter = decision.Filter;
        if (owner.Selector is not null)
        {
            return owner.Selector.MatchesInbound(inner) && filter?.Verdict != FilterVerdict.Block;
        }

        return filter is { Verdict: FilterVerdict.Negotiate }
            && state.TryGetRule(filter.RuleIndex, out var rule)
            && rule.BindingKey(filter, inner.Destination, inner.Source, inner.IsIPv6) == owner.Binding;
    }

    private bool TryFindSelectorSa(EngineState state, in FlowKey flow, out SecurityAssociation sa)
    {
        foreach (var entry in state.Selectors)
        {
            if (entry.Selector.MatchesOutbound(flow) && Database.TryGetOutbound(Binding.ForSelector(entry.Id), out sa))
            {
                return true;
            }
        }

        sa = null!;
        return false;
    }

    private static bool HasOutboundSelector(EngineState state, in FlowKey flow)
    {
        foreach (var entry in state.Selectors)
        {
            if (entry.Selector.MatchesOutbound(flow))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasInboundSelector(EngineState state, in FlowKey flow)
    {
        foreach (var entry in state.Selectors)
        {
            if (entry.Selector.MatchesInbound(flow))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A Negotiate filter matched and no SA serves the binding: soft, blocked, or negotiate (once per binding).</summary>
    private PacketVerdict NoSecurityAssociation(EngineState state, Binding key, RuleInfo rule, PacketFilter filter, in FlowKey flow, PacketBuffer packet)
    {
        var now = _time.GetTimestamp();

        // A few rounds at most: each failed round means another worker or the binding manager changed this binding meanwhile.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (state.Decisions.TryGetValue(key, out var decision))
            {
                if (decision.Kind == BindingDecisionKind.Soft)
                {
                    decision.Touch(now, _touchTicks);
                    return PacketVerdict.Accept;
                }

                if (now < decision.UntilTimestamp)
                {
                    return Drop(DropReason.NegotiationFailed);
                }

                // An ended block the binding manager has not lifted yet: negotiate again.
            }

            if (_pending.TryGetValue(key, out var pending))
            {
                if (now - pending.Timestamp < _acquireRetryTicks)
                {
                    return HoldOrDrop(pending, packet, now);
                }

                // A pending acquire that IKE never answered: start afresh.
                if (_pending.TryRemove(new KeyValuePair<Binding, PendingAcquire>(key, pending)))
                {
                    DropHeld(Retire(pending));
                }

                continue;
            }

            if (Interlocked.Increment(ref _pendingCount) > _options.MaxPendingNegotiations)
            {
                Interlocked.Decrement(ref _pendingCount);
                return Drop(DropReason.AcquireLimit);
            }

            var fresh = new PendingAcquire(now, _time.GetUtcNow());
            if (!_pending.TryAdd(key, fresh))
            {
                Interlocked.Decrement(ref _pendingCount);
                continue;
            }

            // The binding may have been settled since this packet looked: then no acquire is needed.
            var latest = Volatile.Read(ref _state);
            if (Database.TryGetOutbound(key, out var installed)
                || (latest.Decisions.TryGetValue(key, out var settled) && (settled.Kind == BindingDecisionKind.Soft || now < settled.UntilTimestamp)))
            {
                if (_pending.TryRemove(new KeyValuePair<Binding, PendingAcquire>(key, fresh)))
                {
                    DropHeld(Retire(fresh));
                }

                if (installed is not null)
                {
                    return Protect(installed, packet);
                }

                state = latest;
                continue;
            }

            var acquire = new Acquire(
                key, state.Policy, rule.Rule, filter, flow,
                AddressPrefix.ToAddress(flow.Source, flow.IsIPv6),
                rule.Rule.TunnelEndpoint ?? AddressPrefix.ToAddress(flow.Destination, flow.IsIPv6),
                fresh.Since);
            if (!_acquires.TryRaise(acquire))
            {
                // The agent is behind: forget the binding so a later packet asks again.
                if (_pending.TryRemove(new KeyValuePair<Binding, PendingAcquire>(key, fresh)))
                {
                    Interlocked.Decrement(ref _pendingCount);
                }

                return Drop(DropReason.AcquireLimit);
            }

            Statistics.CountAcquire();
            return HoldOrDrop(fresh, packet, now);
        }

        return Drop(DropReason.NegotiationPending);
    }

    private PacketVerdict HoldOrDrop(PendingAcquire pending, PacketBuffer packet, long now)
    {
        if (_options.MaxHeldPacketsPerBinding > 0
            && pending.TryHold(packet, _pool, _options.MaxHeldPacketsPerBinding, now, now - _holdTicks, Statistics))
        {
            Statistics.CountHeld();
            return PacketVerdict.Held;
        }

        return Drop(DropReason.NegotiationPending);
    }
}
