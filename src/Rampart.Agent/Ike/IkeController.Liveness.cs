using System.Net;
using Rampart.Agent.Bindings;
using Rampart.DataPath.Database;
using Rampart.Ike;
using Rampart.Ike.V1;

namespace Rampart.Agent.Ike;

/// <summary>
/// When to worry about a peer (RFC 3706 "on demand" DPD) and whether its traffic is in use (main mode renewal),
/// read once a second from the times and counters the data path keeps on each SA.
/// </summary>
public sealed partial class IkeController
{
    /// <summary>
    /// For each peer we have SA pairs with: inbound traffic ends a probe in progress; having sent to it after the
    /// last sign of life (a packet on its SAs, an authenticated IKE message) that is older than the idle period
    /// starts one.
    /// </summary>
    private void CheckLiveness(DateTimeOffset now)
    {
        foreach (var pairs in _bindings.Pairs.GroupBy(p => p.Peer).ToList())
        {
            var peer = pairs.Key;
            if (_engine.LastHeardFrom(peer) is not { } heardByIke)
            {
                continue; // no ISAKMP SA to probe with
            }

            var (received, sent) = Traffic(pairs, now);
            if (received is { } receivedAt)
            {
                _engine.PeerAlive(peer, receivedAt, _actions);
            }

            var heard = received > heardByIke ? received.Value : heardByIke;
            if (sent > heard && now - heard >= _options.DeadPeerIdle && _engine.ProbePeer(peer, now, _actions))
            {
                LogProbing(_logger, peer, heard);
            }
        }

        Execute(now);
    }

    /// <summary>Main mode renewal: true while a pair we initiated with the peer sent within the data path's idle timeout.</summary>
    private bool IsSendingTo(IPAddress peer)
    {
        var now = _time.GetUtcNow();
        var window = _dataPath.Database.IdleTimeout;
        return _bindings.Pairs.Any(p => p.Peer.Equals(peer) && p.Rekey is not null && LastSent(p, now) is { } sent && now - sent < window);
    }

    /// <summary>The last packet received on a peer's inbound SAs and the last one sent on its outbound SAs (null = none).</summary>
    private (DateTimeOffset? Received, DateTimeOffset? Sent) Traffic(IEnumerable<InstalledPair> pairs, DateTimeOffset now)
    {
        DateTimeOffset? received = null;
        DateTimeOffset? sent = null;
        foreach (var pair in pairs)
        {
            if (_dataPath.Database.TryGetInbound(pair.InboundSpi, out var inbound) && inbound.Counters.PacketsIn > 0)
            {
                received = Later(received, UsedAt(inbound, now));
            }

            sent = Later(sent, LastSent(pair, now));
        }

        return (received, sent);

        static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null || b > a ? b : a;
    }

    private DateTimeOffset? LastSent(InstalledPair pair, DateTimeOffset now)
    {
        SecurityAssociation? outbound = null;
        if (pair.Binding is { } binding)
        {
            _dataPath.Database.TryGetOutbound(binding, out outbound);
        }
        else
        {
            outbound = _dataPath.Database.OutboundSnapshot().FirstOrDefault(entry => entry.Value.Spec.Spi == pair.OutboundSpi).Value;
        }

        return outbound is not null && outbound.Spec.Spi == pair.OutboundSpi && outbound.Counters.PacketsOut > 0 ? UsedAt(outbound, now) : null;
    }

    /// <summary>The SA's last use on this clock (the data path stamps <see cref="TimeProvider"/> timestamps).</summary>
    private DateTimeOffset UsedAt(SecurityAssociation sa, DateTimeOffset now) => now - _dataPath.Database.Time.GetElapsedTime(sa.LastUsedTimestamp);

    /// <summary>
    /// The engine removed the dead peer's ISAKMP SA and the IPsec SAs it knew (audited 542/543); pairs it no longer
    /// knew (their ISAKMP SA had expired) go too, and negotiations with the peer are forgotten so the next packet
    /// acquires afresh.
    /// </summary>
    private void OnPeerDead(IPAddress peer)
    {
        _deadPeers++;
        LogPeerDead(_logger, peer);
        foreach (var pair in _bindings.Pairs.Where(p => p.Peer.Equals(peer)).ToList())
        {
            _bindings.Remove(pair);
            if (IkeAuditRecords.FromEngine(new IkeAuditEvent(IkeAuditKind.SaDeleted, peer, null, false, IkeV1Engine.PeerDeadReason, pair.Selector)) is { } record)
            {
                _audit(record);
            }
        }

        foreach (var pending in _bindings.NegotiationsWith(peer))
        {
            _bindings.Forget(pending.Binding);
        }
    }
}
