using System.Collections.Concurrent;
using System.Threading.Channels;
using Rampart.Core;
using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Buffers;
using Rampart.DataPath.Database;
using Rampart.DataPath.Esp;

namespace Rampart.DataPath.Pipeline;

/// <summary>
/// The data path's decisions between the filter table and the SA database, free of I/O and driven by a
/// <see cref="TimeProvider"/>: the I/O layer hands every outbound and inbound IP packet to
/// <see cref="ProcessOutbound"/> / <see cref="ProcessInbound"/> and applies the returned <see cref="PacketVerdict"/>;
/// the agent reads <see cref="Acquires"/>, installs SAs, and calls <see cref="Poll"/> about once a second.
/// </summary>
/// <remarks>
/// Thread safety: any number of workers may process packets at once. The policy, the selector SAs and the inbound
/// SA owners form one immutable snapshot replaced (copy-on-write) by the agent's calls, so the packet path takes no
/// lock and allocates nothing once SAs are up. Per-binding negotiation state lives in a concurrent dictionary that
/// the packet path only touches for bindings without an SA.
/// Unparsable packets are accepted while nothing is secured and dropped (fail closed) once the policy has a Negotiate
/// filter or a selector SA is installed: the local stack rarely emits junk, and passing it could leak clear traffic.
/// Until the first <see cref="Apply"/> no policy decision is in force: every packet that is not exempt is dropped,
/// so a (re)starting agent never lets through what the policy it has not read yet would stop.
/// </remarks>
public sealed class DataPathEngine
{
    private const byte ProtocolEsp = 50;
    private const byte ProtocolAh = 51;

    /// <summary>How stale a soft association's last-use time may get: the idle check is this much approximate.</summary>
    private static readonly TimeSpan SoftTouchGranularity = TimeSpan.FromSeconds(1);

    private readonly Lock _writeLock = new();
    private readonly TimeProvider _time;
    private readonly DataPathEngineOptions _options;
    private readonly IpsecProcessor _processor;
    private readonly ConcurrentDictionary<OutboundSaKey, Negotiation> _negotiations = new();
    private readonly Channel<Acquire> _acquires;
    private readonly ConcurrentQueue<PacketBuffer> _released = new();
    private readonly PacketBufferPool _pool;
    private readonly long _acquireRetryTicks;
    private readonly long _holdTicks;
    private readonly long _softIdleTicks;
    private readonly long _touchTicks;
    private EngineState _state = EngineState.Empty;
    private int _pendingCount;
    private int _nextSelectorId;

    public DataPathEngine(SecurityAssociationDatabase database, DataPathEngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _options = options ?? new DataPathEngineOptions();
        _time = database.Time;
        _processor = new IpsecProcessor(database);
        _acquires = Channel.CreateBounded<Acquire>(new BoundedChannelOptions(_options.AcquireQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails when full (DropWrite would report success)
            SingleReader = false,
            SingleWriter = false,
        });

        // Enough idle buffers for a few dozen bindings' worth of held packets; more are allocated (and dropped) as needed.
        _pool = new PacketBufferPool(_options.MaxHeldPacketsPerBinding * 64);
        _acquireRetryTicks = ToTicks(_options.AcquireRetryInterval);
        _holdTicks = ToTicks(_options.HoldTimeout);
        _softIdleTicks = ToTicks(database.IdleTimeout);
        _touchTicks = ToTicks(SoftTouchGranularity);
    }

    public SecurityAssociationDatabase Database => _processor.Database;

    public DataPathStatistics Statistics { get; } = new();

    /// <summary>Acquires for the agent: a bounded queue, so a flood of new peers cannot grow memory.</summary>
    public ChannelReader<Acquire> Acquires => _acquires.Reader;

    /// <summary>The policy in force (<see cref="CompiledPolicy.None"/> until one is applied).</summary>
    public CompiledPolicy Policy => Volatile.Read(ref _state).Policy;

    /// <summary>False until the first <see cref="Apply"/> (even of <see cref="CompiledPolicy.None"/>): meanwhile non-exempt traffic is dropped.</summary>
    public bool PolicyInForce => Volatile.Read(ref _state).InForce;

    /// <summary>
    /// Swaps the policy in (the first call ends the start-up state that drops non-exempt traffic). Negotiation state (pending, soft, blocked, held packets) belongs to the old policy's rules
    /// and is dropped; installed SAs stay until the agent removes them (it knows which IKE must delete).
    /// </summary>
    public void Apply(CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_writeLock)
        {
            var state = _state;
            Publish(state with { Policy = policy, Rules = RuleInfo.Index(policy), InForce = true });
            ClearNegotiations(_ => true);
        }
    }

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
        if (_negotiations.TryGetValue(key, out var negotiation) && negotiation.Kind == NegotiationKind.Soft)
        {
            negotiation.Touch(_time.GetTimestamp(), _touchTicks);
            return PacketVerdict.Accept;
        }

        return Drop(DropReason.UnsecuredInbound);
    }

    /// <summary>Installs (or rekeys) the outbound SA of a policy binding; packets held for it are protected and released.</summary>
    public SecurityAssociation InstallOutbound(OutboundSaKey binding, SecurityAssociationSpec spec, out SecurityAssociation? replaced)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (binding.IsSelector)
        {
            throw new ArgumentException("use the TrafficSelector overload for selector SAs", nameof(binding));
        }

        lock (_writeLock)
        {
            var sa = Database.AddOutbound(binding, spec, out replaced);
            if (_negotiations.TryRemove(binding, out var negotiation))
            {
                foreach (var held in Retire(negotiation))
                {
                    ReleaseOrDrop(held, Protect(sa, held).Action == PacketAction.AcceptModified);
                }
            }

            return sa;
        }
    }

    /// <summary>Installs (or rekeys) the outbound SA for a selector: a manual SA, or a responder's SA for a peer's proposal.</summary>
    public SecurityAssociation InstallOutbound(TrafficSelector selector, SecurityAssociationSpec spec, out SecurityAssociation? replaced)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(spec);
        lock (_writeLock)
        {
            var state = _state;
            var existing = Array.FindIndex(state.Selectors, s => s.Selector == selector);
            var id = existing >= 0 ? state.Selectors[existing].Id : ++_nextSelectorId;
            var sa = Database.AddOutbound(OutboundSaKey.ForSelector(id), spec, out replaced);
            if (existing < 0)
            {
                Publish(state with { Selectors = [.. state.Selectors, new SelectorEntry(id, selector)] });
            }

            return sa;
        }
    }

    /// <summary>
    /// Reserves a selector for an SA to come (a manual SA whose keys a restarted agent lost): until one is installed
    /// with <see cref="InstallOutbound(TrafficSelector, SecurityAssociationSpec, out SecurityAssociation?)"/>, the
    /// traffic it covers is dropped both ways instead of flowing in clear. <see cref="RemoveOutbound(TrafficSelector)"/> releases it.
    /// </summary>
    public void RequireSecurity(TrafficSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        lock (_writeLock)
        {
            var state = _state;
            if (!Array.Exists(state.Selectors, s => s.Selector == selector))
            {
                Publish(state with { Selectors = [.. state.Selectors, new SelectorEntry(++_nextSelectorId, selector)] });
            }
        }
    }

    /// <summary>Installs an inbound SA serving a policy binding; false if its SPI is taken.</summary>
    public bool InstallInbound(OutboundSaKey binding, SecurityAssociationSpec spec, out SecurityAssociation sa) =>
        AddInbound(new InboundOwner(binding, null), spec, out sa);

    /// <summary>Installs an inbound SA serving a selector; false if its SPI is taken.</summary>
    public bool InstallInbound(TrafficSelector selector, SecurityAssociationSpec spec, out SecurityAssociation sa)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return AddInbound(new InboundOwner(default, selector), spec, out sa);
    }

    /// <summary>Removes the outbound SA of a binding (IKE delete, idle, hard expiry); the next packet negotiates again.</summary>
    public bool RemoveOutbound(OutboundSaKey binding)
    {
        lock (_writeLock)
        {
            return Database.RemoveOutbound(binding);
        }
    }

    /// <summary>Removes a selector's outbound SA.</summary>
    public bool RemoveOutbound(TrafficSelector selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        lock (_writeLock)
        {
            var state = _state;
            var entry = Array.Find(state.Selectors, s => s.Selector == selector);
            if (entry is null)
            {
                return false;
            }

            Publish(state with { Selectors = [.. state.Selectors.Where(s => s != entry)] });
            return Database.RemoveOutbound(OutboundSaKey.ForSelector(entry.Id));
        }
    }

    public bool RemoveInbound(uint spi)
    {
        lock (_writeLock)
        {
            ForgetInboundOwners([spi]);
            return Database.RemoveInbound(spi);
        }
    }

    /// <summary>
    /// The peer did not answer IKE and the rule allows clear traffic: a soft SA. Traffic of the binding flows in clear
    /// both ways until it idles (no packet either way for the SA database's idle timeout; <see cref="Poll"/> removes it
    /// and the next packet negotiates again), <see cref="ClearNegotiation"/>, a real SA, a policy change or
    /// <see cref="Reset"/>; held packets go out in clear.
    /// </summary>
    public void MarkSoft(OutboundSaKey binding)
    {
        var soft = new Negotiation(NegotiationKind.Soft, _time.GetTimestamp(), _time.GetUtcNow());
        foreach (var held in Replace(binding, soft))
        {
            ReleaseOrDrop(held, release: true);
        }
    }

    /// <summary>The negotiation failed: matching outbound packets are dropped until <paramref name="until"/> (default: now plus the block duration).</summary>
    public void MarkNegotiationFailed(OutboundSaKey binding, DateTimeOffset? until = null)
    {
        var now = _time.GetUtcNow();
        var end = until ?? now + _options.NegotiationBlockDuration;
        var endTimestamp = _time.GetTimestamp() + ToTicks(end - now);
        var blocked = new Negotiation(NegotiationKind.Blocked, _time.GetTimestamp(), now, endTimestamp, end);
        DropHeld(Replace(binding, blocked));
    }

    /// <summary>Forgets a binding's pending, soft or blocked state: its next packet negotiates again.</summary>
    public bool ClearNegotiation(OutboundSaKey binding)
    {
        lock (_writeLock)
        {
            if (!_negotiations.TryRemove(binding, out var negotiation))
            {
                return false;
            }

            DropHeld(Retire(negotiation));
            return true;
        }
    }

    /// <summary>Lifts every one-minute block at once.</summary>
    public void ClearBlocks()
    {
        lock (_writeLock)
        {
            ClearNegotiations(n => n.Kind == NegotiationKind.Blocked);
        }
    }

    /// <summary>The agent restarted: every SA, selector, negotiation, held packet and queued acquire is gone.</summary>
    public void Reset()
    {
        lock (_writeLock)
        {
            foreach (var (key, _) in Database.OutboundSnapshot())
            {
                Database.RemoveOutbound(key);
            }

            foreach (var sa in Database.Snapshot().Where(sa => sa.Spec.Direction == SaDirection.Inbound))
            {
                Database.RemoveInbound(sa.Spec.Spi);
            }

            Publish(_state with { Selectors = [], InboundOwners = [] });
            ClearNegotiations(_ => true);
            while (_acquires.Reader.TryRead(out _))
            {
            }

            while (_released.TryDequeue(out var buffer))
            {
                _pool.Return(buffer);
            }
        }
    }

    /// <summary>
    /// Timer work, about once a second: runs the SA database's lifetime check (hard-expired SAs are removed, and
    /// their inbound SPIs forgotten here), drops stale held packets, forgets old pending negotiations, ended blocks and
    /// idle soft associations.
    /// Returns the lifetime events for the agent (rekey on soft expiry, delete on idle).
    /// </summary>
    public IReadOnlyList<SaLifetimeEvent> Poll()
    {
        var events = Database.Expire();
        lock (_writeLock)
        {
            ForgetInboundOwners(events
                .Where(e => e.Kind == SaLifetimeEventKind.HardExpired && e.Sa.Spec.Direction == SaDirection.Inbound)
                .Select(e => e.Sa.Spec.Spi));
        }

        var now = _time.GetTimestamp();
        foreach (var (key, negotiation) in _negotiations)
        {
            var expired = negotiation.Kind switch
            {
                NegotiationKind.Pending => now - negotiation.Timestamp >= _acquireRetryTicks,
                NegotiationKind.Blocked => now >= negotiation.UntilTimestamp,
                NegotiationKind.Soft => now - negotiation.LastUsedTimestamp >= _softIdleTicks,
                _ => false,
            };
            if (expired)
            {
                if (_negotiations.TryRemove(new KeyValuePair<OutboundSaKey, Negotiation>(key, negotiation)))
                {
                    DropHeld(Retire(negotiation));
                }
            }
            else if (negotiation.Kind == NegotiationKind.Pending)
            {
                Statistics.CountHeldDropped(negotiation.DropStale(_pool, now - _holdTicks));
            }
        }

        return events;
    }

    /// <summary>Hands each released packet (held ones now protected, or clear after a soft SA) to <paramref name="send"/>, then recycles its buffer.</summary>
    public int DrainReleased(Action<PacketBuffer> send)
    {
        ArgumentNullException.ThrowIfNull(send);
        var count = 0;
        while (_released.TryDequeue(out var buffer))
        {
            send(buffer);
            _pool.Return(buffer);
            count++;
        }

        return count;
    }

    /// <summary>Every binding with an SA or negotiation state, and every selector SA, for the monitor.</summary>
    public IReadOnlyList<BindingInfo> Bindings()
    {
        var state = Volatile.Read(ref _state);
        var inbound = state.InboundOwners
            .GroupBy(pair => pair.Value.Selector is null ? pair.Value.Binding : OutboundSaKey.ForSelector(SelectorId(state, pair.Value.Selector)))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<uint>)[.. g.Select(pair => pair.Key).Order()]);
        var outbound = Database.OutboundSnapshot().ToDictionary(pair => pair.Key, pair => pair.Value.Spec.Spi);
        var keys = outbound.Keys.Concat(_negotiations.Keys).Concat(inbound.Keys).Distinct();
        var rows = new List<BindingInfo>();
        foreach (var key in keys)
        {
            _negotiations.TryGetValue(key, out var negotiation);
            uint? outboundSpi = outbound.TryGetValue(key, out var spi) ? spi : null;
            var status = outboundSpi is not null ? BindingStatus.Secured : negotiation?.Kind switch
            {
                NegotiationKind.Soft => BindingStatus.Soft,
                NegotiationKind.Blocked => BindingStatus.Blocked,
                _ => BindingStatus.Negotiating,
            };
            var selector = key.IsSelector ? Array.Find(state.Selectors, s => s.Id == key.FilterIndex)?.Selector : null;
            rows.Add(new BindingInfo(
                key,
                key.IsSelector ? "" : state.Policy.PolicyName,
                state.TryGetRule(key.RuleIndex, out var rule) ? rule.Rule : null,
                selector,
                key.IsSelector || key.Local == UInt128.Zero ? null : AddressPrefix.ToAddress(key.Local, key.IsIPv6),
                key.IsSelector ? null : AddressPrefix.ToAddress(key.Remote, key.IsIPv6),
                status,
                outboundSpi,
                inbound.TryGetValue(key, out var spis) ? spis : [],
                negotiation?.Since,
                negotiation?.Until));
        }

        return rows;
    }

    private static int SelectorId(EngineState state, TrafficSelector selector) =>
        Array.Find(state.Selectors, s => s.Selector == selector)?.Id ?? 0;

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
            if (entry.Selector.MatchesOutbound(flow) && Database.TryGetOutbound(OutboundSaKey.ForSelector(entry.Id), out sa))
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
    private PacketVerdict NoSecurityAssociation(EngineState state, OutboundSaKey key, RuleInfo rule, PacketFilter filter, in FlowKey flow, PacketBuffer packet)
    {
        var now = _time.GetTimestamp();

        // A few rounds at most: each failed round means another worker changed this binding's state meanwhile.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (_negotiations.TryGetValue(key, out var negotiation))
            {
                switch (negotiation.Kind)
                {
                    case NegotiationKind.Soft:
                        negotiation.Touch(now, _touchTicks);
                        return PacketVerdict.Accept;
                    case NegotiationKind.Blocked when now < negotiation.UntilTimestamp:
                        return Drop(DropReason.NegotiationFailed);
                    case NegotiationKind.Pending when now - negotiation.Timestamp < _acquireRetryTicks:
                        return HoldOrDrop(negotiation, packet, now);
                }

                // An ended block or a pending negotiation that IKE never answered: start afresh.
                if (_negotiations.TryRemove(new KeyValuePair<OutboundSaKey, Negotiation>(key, negotiation)))
                {
                    DropHeld(Retire(negotiation));
                }

                continue;
            }

            if (Interlocked.Increment(ref _pendingCount) > _options.MaxPendingNegotiations)
            {
                Interlocked.Decrement(ref _pendingCount);
                return Drop(DropReason.AcquireLimit);
            }

            var pending = new Negotiation(NegotiationKind.Pending, now, _time.GetUtcNow());
            if (!_negotiations.TryAdd(key, pending))
            {
                Interlocked.Decrement(ref _pendingCount);
                continue;
            }

            // The SA may have been installed since this packet looked: then no acquire is needed.
            if (Database.TryGetOutbound(key, out var installed))
            {
                if (_negotiations.TryRemove(new KeyValuePair<OutboundSaKey, Negotiation>(key, pending)))
                {
                    DropHeld(Retire(pending));
                }

                return Protect(installed, packet);
            }

            var acquire = new Acquire(
                key, state.Policy, rule.Rule, filter, flow,
                AddressPrefix.ToAddress(flow.Source, flow.IsIPv6),
                rule.Rule.TunnelEndpoint ?? AddressPrefix.ToAddress(flow.Destination, flow.IsIPv6),
                pending.Since);
            if (!_acquires.Writer.TryWrite(acquire))
            {
                // The agent is behind: forget the binding so a later packet asks again.
                if (_negotiations.TryRemove(new KeyValuePair<OutboundSaKey, Negotiation>(key, pending)))
                {
                    Interlocked.Decrement(ref _pendingCount);
                }

                return Drop(DropReason.AcquireLimit);
            }

            Statistics.CountAcquire();
            return HoldOrDrop(pending, packet, now);
        }

        return Drop(DropReason.NegotiationPending);
    }

    private PacketVerdict HoldOrDrop(Negotiation pending, PacketBuffer packet, long now)
    {
        if (_options.MaxHeldPacketsPerBinding > 0
            && pending.TryHold(packet, _pool, _options.MaxHeldPacketsPerBinding, now, now - _holdTicks, Statistics))
        {
            Statistics.CountHeld();
            return PacketVerdict.Held;
        }

        return Drop(DropReason.NegotiationPending);
    }

    private bool AddInbound(InboundOwner owner, SecurityAssociationSpec spec, out SecurityAssociation sa)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_writeLock)
        {
            if (!Database.TryAddInbound(spec, out sa))
            {
                return false;
            }

            var state = _state;
            Publish(state with { InboundOwners = new Dictionary<uint, InboundOwner>(state.InboundOwners) { [spec.Spi] = owner } });
            return true;
        }
    }

    /// <summary>Drops the owner entries of removed inbound SAs. Call under the write lock.</summary>
    private void ForgetInboundOwners(IEnumerable<uint> spis)
    {
        var state = _state;
        var gone = spis.Where(state.InboundOwners.ContainsKey).ToList();
        if (gone.Count == 0)
        {
            return;
        }

        var owners = new Dictionary<uint, InboundOwner>(state.InboundOwners);
        foreach (var spi in gone)
        {
            owners.Remove(spi);
        }

        Publish(state with { InboundOwners = owners });
    }

    /// <summary>Replaces the binding's negotiation state; returns the packets the old state held.</summary>
    private PacketBuffer[] Replace(OutboundSaKey binding, Negotiation next)
    {
        lock (_writeLock)
        {
            if (next.Kind == NegotiationKind.Soft)
            {
                // Counted before it is visible, so a concurrent Poll retiring it cannot take the count below zero.
                Statistics.CountSoftStarted();
            }

            Negotiation? previous = null;
            _negotiations.AddOrUpdate(binding, next, (_, existing) =>
            {
                previous = existing;
                return next;
            });
            return previous is null ? [] : Retire(previous);
        }
    }

    /// <summary>Ends a negotiation state taken out of the dictionary; returns its held packets.</summary>
    private PacketBuffer[] Retire(Negotiation negotiation)
    {
        switch (negotiation.Kind)
        {
            case NegotiationKind.Pending:
                Interlocked.Decrement(ref _pendingCount);
                break;
            case NegotiationKind.Soft:
                Statistics.CountSoftEnded();
                break;
        }

        return negotiation.Close();
    }

    private void ClearNegotiations(Func<Negotiation, bool> which)
    {
        foreach (var (key, negotiation) in _negotiations)
        {
            if (which(negotiation) && _negotiations.TryRemove(new KeyValuePair<OutboundSaKey, Negotiation>(key, negotiation)))
            {
                DropHeld(Retire(negotiation));
            }
        }
    }

    private void ReleaseOrDrop(PacketBuffer held, bool release)
    {
        if (release)
        {
            _released.Enqueue(held);
            Statistics.CountReleased();
        }
        else
        {
            _pool.Return(held);
            Statistics.CountHeldDropped(1);
        }
    }

    private void DropHeld(PacketBuffer[] held)
    {
        foreach (var buffer in held)
        {
            ReleaseOrDrop(buffer, release: false);
        }
    }

    private void Publish(EngineState state) => Volatile.Write(ref _state, state with
    {
        FailClosed = !state.InForce || state.Selectors.Length > 0 || state.Policy.Filters.Filters.Any(f => f.Verdict == FilterVerdict.Negotiate || f.StandInWeight.HasValue),
    });

    /// <summary>Everything the packet path reads, replaced as a whole.</summary>
    private sealed record EngineState(
        CompiledPolicy Policy,
        RuleInfo?[] Rules,
        SelectorEntry[] Selectors,
        Dictionary<uint, InboundOwner> InboundOwners)
    {
        public static EngineState Empty { get; } = new(CompiledPolicy.None, [], [], []) { FailClosed = true };

        /// <summary>Junk is dropped once anything is secured, and before any policy is in force; set by <see cref="Publish"/>.</summary>
        public bool FailClosed { get; init; }

        /// <summary>A policy decision (possibly "none assigned") has been applied; until then non-exempt traffic is dropped.</summary>
        public bool InForce { get; init; }

        public bool TryGetRule(int ruleIndex, out RuleInfo rule)
        {
            var rules = Rules;
            if ((uint)ruleIndex < (uint)rules.Length && rules[ruleIndex] is { } found)
            {
                rule = found;
                return true;
            }

            rule = default;
            return false;
        }
    }

    private sealed record SelectorEntry(int Id, TrafficSelector Selector);

    /// <summary>What an inbound SA serves: a policy binding, or (when <see cref="Selector"/> is set) a selector.</summary>
    private readonly record struct InboundOwner(OutboundSaKey Binding, TrafficSelector? Selector);

    /// <summary>A rule with its tunnel endpoint as a number, ready for building binding keys.</summary>
    private readonly record struct RuleInfo(CompiledRule Rule, UInt128 TunnelEndpoint, bool TunnelIsIPv6)
    {
        public static RuleInfo?[] Index(CompiledPolicy policy)
        {
            var rules = new RuleInfo?[policy.Rules.Count == 0 ? 0 : policy.Rules.Max(r => r.RuleIndex) + 1];
            foreach (var rule in policy.Rules)
            {
                var (endpoint, isIPv6) = rule.TunnelEndpoint is null ? (UInt128.Zero, false) : AddressPrefix.ToNumber(rule.TunnelEndpoint);
                rules[rule.RuleIndex] = new RuleInfo(rule, endpoint, isIPv6);
            }

            return rules;
        }

        /// <summary>One SA pair per filter and peer: in tunnel mode the peer is the tunnel endpoint and the local address is left out.</summary>
        public OutboundSaKey BindingKey(PacketFilter filter, UInt128 local, UInt128 remote, bool isIPv6) => Rule.TunnelEndpoint is null
            ? new OutboundSaKey(filter.RuleIndex, filter.FilterIndex, local, remote, isIPv6)
            : new OutboundSaKey(filter.RuleIndex, filter.FilterIndex, UInt128.Zero, TunnelEndpoint, TunnelIsIPv6);
    }
}
