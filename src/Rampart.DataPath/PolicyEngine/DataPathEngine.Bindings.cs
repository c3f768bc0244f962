using Rampart.Core.Filtering;
using Rampart.Core.SecurityAssociations;
using Rampart.DataPath.Database;

namespace Rampart.DataPath.PolicyEngine;

/// <summary>
/// The binding manager's side of the engine: every call here publishes a new snapshot for the packet path (policy,
/// SAs, selectors, soft and blocked decisions) and settles the held packets it concerns, releasing them by the way
/// they came. Called from the agent's one event loop (or a test); serialised by a lock all the same.
/// </summary>
public sealed partial class DataPathEngine
{
    /// <summary>
    /// Swaps the policy in (the first call ends the start-up state that drops non-exempt traffic). The bindings'
    /// decisions and pending acquires belong to the old policy's rules and are dropped (held packets too); installed
    /// SAs stay until the binding manager removes them (it knows which IKE must delete).
    /// </summary>
    public void Apply(CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        lock (_writeLock)
        {
            var state = _state;
            EndSoft(state.Decisions.Values);
            Publish(state with { Policy = policy, Rules = RuleInfo.Index(policy), InForce = true, Decisions = [] });
            ClearPending(_ => true);
        }
    }

    /// <summary>
    /// The acquire under the policy in force now: itself when raised under it; for one raised under a policy replaced
    /// since, its packet classified again (null when the new policy negotiates nothing for it).
    /// </summary>
    public Acquire? Reclassify(Acquire acquire)
    {
        ArgumentNullException.ThrowIfNull(acquire);
        var state = Volatile.Read(ref _state);
        if (ReferenceEquals(acquire.Policy, state.Policy))
        {
            return acquire;
        }

        var flow = acquire.Flow;
        var decision = state.Policy.Filters.Classify(flow, TrafficDirection.Outbound);
        if (decision is not { Kind: FilterDecisionKind.Matched, Filter: { Verdict: FilterVerdict.Negotiate } filter }
            || !state.TryGetRule(filter.RuleIndex, out var rule))
        {
            return null;
        }

        return acquire with
        {
            Binding = rule.BindingKey(filter, flow.Source, flow.Destination, flow.IsIPv6),
            Policy = state.Policy,
            Rule = rule.Rule,
            Filter = filter,
            PeerAddress = rule.Rule.TunnelEndpoint ?? AddressPrefix.ToAddress(flow.Destination, flow.IsIPv6),
        };
    }

    /// <summary>Installs (or rekeys) the outbound SA of a policy binding; packets held for it are protected and released.</summary>
    public SecurityAssociation InstallOutbound(Binding binding, SecurityAssociationSpec spec, out SecurityAssociation? replaced)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (binding.IsSelector)
        {
            throw new ArgumentException("use the TrafficSelector overload for selector SAs", nameof(binding));
        }

        lock (_writeLock)
        {
            var sa = Database.AddOutbound(binding, spec, out replaced);
            SetDecision(binding, null);
            if (_pending.TryRemove(binding, out var pending))
            {
                foreach (var held in Retire(pending))
                {
                    ReleaseOrDrop(held, Protect(sa, held.Copy).Action == PacketAction.AcceptModified);
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
            var sa = Database.AddOutbound(Binding.ForSelector(id), spec, out replaced);
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
    public bool InstallInbound(Binding binding, SecurityAssociationSpec spec, out SecurityAssociation sa) =>
        AddInbound(new InboundOwner(binding, null), spec, out sa);

    /// <summary>Installs an inbound SA serving a selector; false if its SPI is taken.</summary>
    public bool InstallInbound(TrafficSelector selector, SecurityAssociationSpec spec, out SecurityAssociation sa)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return AddInbound(new InboundOwner(default, selector), spec, out sa);
    }

    /// <summary>Removes the outbound SA of a binding (IKE delete, idle, hard expiry); the next packet negotiates again.</summary>
    public bool RemoveOutbound(Binding binding)
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
            return Database.RemoveOutbound(Binding.ForSelector(entry.Id));
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
    /// The peer did not answer IKE and the rule allows clear traffic: a soft association. Traffic of the binding flows
    /// in clear both ways until it idles (no packet either way for the SA database's idle timeout; <see cref="Poll"/>
    /// lifts it and the next packet negotiates again), <see cref="ClearNegotiation"/>, a real SA, a policy change or
    /// <see cref="Reset"/>. Held packets leave in clear at once.
    /// </summary>
    public void MarkSoft(Binding binding)
    {
        lock (_writeLock)
        {
            SetDecision(binding, new BindingDecision(BindingDecisionKind.Soft, _time.GetTimestamp(), _time.GetUtcNow()));
            if (_pending.TryRemove(binding, out var pending))
            {
                foreach (var held in Retire(pending))
                {
                    ReleaseOrDrop(held, release: true);
                }
            }
        }
    }

    /// <summary>The negotiation failed: matching outbound packets are dropped until <paramref name="until"/> (default: now plus the block duration).</summary>
    public void MarkNegotiationFailed(Binding binding, DateTimeOffset? until = null)
    {
        var now = _time.GetUtcNow();
        var end = until ?? now + _options.NegotiationBlockDuration;
        var endTimestamp = _time.GetTimestamp() + ToTicks(end - now);
        lock (_writeLock)
        {
            SetDecision(binding, new BindingDecision(BindingDecisionKind.Blocked, _time.GetTimestamp(), now, endTimestamp, end));
            if (_pending.TryRemove(binding, out var pending))
            {
                DropHeld(Retire(pending));
            }
        }
    }

    /// <summary>Forgets a binding's pending acquire, soft association or block: its next packet negotiates again.</summary>
    public bool ClearNegotiation(Binding binding)
    {
        lock (_writeLock)
        {
            var had = SetDecision(binding, null);
            if (_pending.TryRemove(binding, out var pending))
            {
                DropHeld(Retire(pending));
                had = true;
            }

            return had;
        }
    }

    /// <summary>Lifts every one-minute block at once.</summary>
    public void ClearBlocks()
    {
        lock (_writeLock)
        {
            RemoveDecisions(d => d.Kind == BindingDecisionKind.Blocked);
        }
    }

    /// <summary>The agent restarted: every SA, selector, decision, pending acquire and held packet is gone.</summary>
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

            EndSoft(_state.Decisions.Values);
            Publish(_state with { Selectors = [], InboundOwners = [], Decisions = [] });
            ClearPending(_ => true);
            Acquires.Clear();
        }
    }

    /// <summary>
    /// Timer work, about once a second (on the agent's loop): runs the SA database's lifetime check (hard-expired SAs
    /// are removed, and their inbound SPIs forgotten here), drops stale held packets, forgets pending acquires IKE never
    /// answered, lifts ended blocks and idle soft associations.
    /// Returns the lifetime events for the binding manager (rekey on soft expiry, delete on idle).
    /// </summary>
    public IReadOnlyList<SaLifetimeEvent> Poll()
    {
        var events = Database.Expire();
        var now = _time.GetTimestamp();
        lock (_writeLock)
        {
            ForgetInboundOwners(events
                .Where(e => e.Kind == SaLifetimeEventKind.HardExpired && e.Sa.Spec.Direction == SaDirection.Inbound)
                .Select(e => e.Sa.Spec.Spi));
            RemoveDecisions(d => d.Kind == BindingDecisionKind.Blocked
                ? now >= d.UntilTimestamp
                : now - d.LastUsedTimestamp >= _softIdleTicks);
        }

        foreach (var (key, pending) in _pending)
        {
            if (now - pending.Timestamp >= _acquireRetryTicks)
            {
                if (_pending.TryRemove(new KeyValuePair<Binding, PendingAcquire>(key, pending)))
                {
                    DropHeld(Retire(pending));
                }
            }
            else
            {
                Statistics.CountHeldDropped(pending.DropStale(_pool, now - _holdTicks));
            }
        }

        return events;
    }

    /// <summary>True while the binding has a soft association (its traffic flows in clear).</summary>
    public bool IsSoft(Binding binding) =>
        Volatile.Read(ref _state).Decisions.TryGetValue(binding, out var decision) && decision.Kind == BindingDecisionKind.Soft;

    /// <summary>Every binding with an SA, a decision or a pending acquire, and every selector SA, for the monitor.</summary>
    public IReadOnlyList<BindingInfo> Bindings()
    {
        var state = Volatile.Read(ref _state);
        var inbound = state.InboundOwners
            .GroupBy(pair => pair.Value.Selector is null ? pair.Value.Binding : Binding.ForSelector(SelectorId(state, pair.Value.Selector)))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<uint>)[.. g.Select(pair => pair.Key).Order()]);
        var outbound = Database.OutboundSnapshot().ToDictionary(pair => pair.Key, pair => pair.Value.Spec.Spi);
        var keys = outbound.Keys.Concat(state.Decisions.Keys).Concat(_pending.Keys).Concat(inbound.Keys).Distinct();
        var rows = new List<BindingInfo>();
        foreach (var key in keys)
        {
            state.Decisions.TryGetValue(key, out var decision);
            _pending.TryGetValue(key, out var pending);
            uint? outboundSpi = outbound.TryGetValue(key, out var spi) ? spi : null;
            var status = outboundSpi is not null ? BindingStatus.Secured : decision?.Kind switch
            {
                BindingDecisionKind.Soft => BindingStatus.Soft,
                BindingDecisionKind.Blocked => BindingStatus.Blocked,
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
                decision?.Since ?? pending?.Since,
                decision?.Until));
        }

        return rows;
    }

    private static int SelectorId(EngineState state, TrafficSelector selector) =>
        Array.Find(state.Selectors, s => s.Selector == selector)?.Id ?? 0;

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

    /// <summary>Sets (or with null, removes) a binding's decision and publishes; true if it had one. Call under the write lock.</summary>
    private bool SetDecision(Binding binding, BindingDecision? decision)
    {
        var state = _state;
        var had = state.Decisions.TryGetValue(binding, out var previous);
        if (!had && decision is null)
        {
            return false;
        }

        if (decision?.Kind == BindingDecisionKind.Soft)
        {
            Statistics.CountSoftStarted();
        }

        if (previous is not null)
        {
            EndSoft([previous]);
        }

        var decisions = new Dictionary<Binding, BindingDecision>(state.Decisions);
        if (decision is null)
        {
            decisions.Remove(binding);
        }
        else
        {
            decisions[binding] = decision;
        }

        Publish(state with { Decisions = decisions });
        return had;
    }

    /// <summary>Removes the decisions <paramref name="which"/> selects and publishes. Call under the write lock.</summary>
    private void RemoveDecisions(Func<BindingDecision, bool> which)
    {
        var state = _state;
        var gone = state.Decisions.Where(pair => which(pair.Value)).ToList();
        if (gone.Count == 0)
        {
            return;
        }

        var decisions = new Dictionary<Binding, BindingDecision>(state.Decisions);
        foreach (var (key, decision) in gone)
        {
            decisions.Remove(key);
        }

        EndSoft(gone.Select(pair => pair.Value));
        Publish(state with { Decisions = decisions });
    }

    private void EndSoft(IEnumerable<BindingDecision> decisions)
    {
        foreach (var decision in decisions)
        {
            if (decision.Kind == BindingDecisionKind.Soft)
            {
                Statistics.CountSoftEnded();
            }
        }
    }

    /// <summary>Ends a pending acquire taken out of the dictionary; returns its held packets.</summary>
    private HeldPacket[] Retire(PendingAcquire pending)
    {
        Interlocked.Decrement(ref _pendingCount);
        return pending.Close();
    }

    private void ClearPending(Func<PendingAcquire, bool> which)
    {
        foreach (var (key, pending) in _pending)
        {
            if (which(pending) && _pending.TryRemove(new KeyValuePair<Binding, PendingAcquire>(key, pending)))
            {
                DropHeld(Retire(pending));
            }
        }
    }

    /// <summary>Hands a held packet back to where it came from: released (its buffer as it is now) or dropped.</summary>
    private void ReleaseOrDrop(HeldPacket held, bool release)
    {
        if (release && held.Exit is { } exit)
        {
            exit.Release(held.PacketId, held.Copy.Span);
            Statistics.CountReleased();
        }
        else
        {
            held.Exit?.Drop(held.PacketId);
            Statistics.CountHeldDropped(1);
        }

        _pool.Return(held.Copy);
    }

    private void DropHeld(HeldPacket[] held)
    {
        foreach (var packet in held)
        {
            ReleaseOrDrop(packet, release: false);
        }
    }

    private void Publish(EngineState state) => Volatile.Write(ref _state, state with
    {
        FailClosed = !state.InForce || state.Selectors.Length > 0 || state.Policy.Filters.Filters.Any(f => f.Verdict == FilterVerdict.Negotiate || f.StandInWeight.HasValue),
    });
}
