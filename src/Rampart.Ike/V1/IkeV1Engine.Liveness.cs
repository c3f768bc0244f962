using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Rampart.Core;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// Liveness of ISAKMP SAs: RFC 3706 dead peer detection (the host decides when to worry, the engine probes, matches
/// acknowledgements and gives up), and renewal of an ISAKMP SA in use before its lifetime ends.
/// </summary>
public sealed partial class IkeV1Engine
{
    /// <summary>The reason "SA ended" audits give when a peer is declared dead.</summary>
    public const string PeerDeadReason = "peer dead (no answer to dead peer detection)";

    /// <summary>
    /// Starts an RFC 3706 probe of <paramref name="peer"/>: R-U-THERE, retransmitted on the backoff, until an
    /// acknowledgement or any other proof of liveness; unanswered, the peer is declared dead (<see cref="PeerDead"/>).
    /// True when this call started one; false while one is running already, or without an established ISAKMP SA that
    /// negotiated DPD.
    /// </summary>
    public bool ProbePeer(IPAddress peer, DateTimeOffset now, List<IkeAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var phase1 = _phase1s.Best(peer);
        if (phase1 is not { State: Phase1State.Established, PeerSupportsDpd: true })
        {
            return false;
        }

        if (phase1.DpdProbeFirst is not null)
        {
            return false;
        }

        Counters.DpdProbes++;
        phase1.DpdProbeFirst = unchecked(phase1.DpdSequence + 1);
        phase1.DpdProbeStarted = now;
        phase1.DpdRetransmits = 0;
        Log(actions, 43, $"{peer} silent since {phase1.LastHeard:O}: dead peer detection");
        SendRUThere(phase1, actions);
        phase1.DpdDue = Scheduled(now + Backoff(0));
        ArmIfEarlier(now, actions);
        return true;
    }

    /// <summary>The last proof of liveness IKE saw from <paramref name="peer"/> (establishment or an authenticated message); null without an established ISAKMP SA.</summary>
    public DateTimeOffset? LastHeardFrom(IPAddress peer)
    {
        DateTimeOffset? last = null;
        foreach (var phase1 in _phase1s.EstablishedWith(peer))
        {
            last = last is null || phase1.LastHeard > last ? phase1.LastHeard : last;
        }

        return last;
    }

    /// <summary>Proof of liveness from outside IKE (a packet arrived on the peer's IPsec SAs at <paramref name="heardAt"/>): ends a probe started before it.</summary>
    public void PeerAlive(IPAddress peer, DateTimeOffset heardAt, List<IkeAction> actions)
    {
        foreach (var phase1 in _phase1s.EstablishedWith(peer))
        {
            if (phase1.DpdProbeFirst is not null && heardAt > phase1.DpdProbeStarted)
            {
                EndProbe(phase1);
                Log(actions, 44, $"traffic from {peer} ended dead peer detection");
            }
        }
    }

    /// <summary>True while an established ISAKMP SA with <paramref name="peer"/> exists.</summary>
    public bool HasEstablishedSa(IPAddress peer) => _phase1s.EstablishedWith(peer).Any();

    /// <summary>Sets up liveness state for a new ISAKMP SA: its expiry, renewal point and DPD sequence start.</summary>
    private void StartLiveness(Phase1Sa phase1, DateTimeOffset now)
    {
        var lifetime = phase1.Chosen!.Lifetime;
        phase1.Expires = now + lifetime;
        phase1.RenewAt = Scheduled(now + (lifetime * options.MainModeRenewalPoint));
        phase1.LastHeard = now;
        Span<byte> start = stackalloc byte[4];
        RandomNumberGenerator.Fill(start);
        phase1.DpdSequence = BinaryPrimitives.ReadUInt32BigEndian(start);
    }

    /// <summary>An authenticated message from the peer: it is alive, on every ISAKMP SA we have with it.</summary>
    private void ProofOfLife(Phase1Sa phase1, DateTimeOffset now, List<IkeAction> actions)
    {
        phase1.LastHeard = now;
        foreach (var other in _phase1s.EstablishedWith(phase1.Remote.Address))
        {
            other.LastHeard = now;
            if (other.DpdProbeFirst is not null)
            {
                EndProbe(other);
                Log(actions, 44, $"IKE message from {phase1.Remote.Address} ended dead peer detection");
            }
        }
    }

    /// <summary>RFC 3706 §5.7: the ACK must echo a sequence number of the probe in progress; anything else is ignored.</summary>
    private void AcknowledgeProbe(Phase1Sa phase1, NotificationPayload ack, DateTimeOffset now, List<IkeAction> actions)
    {
        var matches = ack.Data.Length == 4 && phase1.DpdProbeFirst is { } first
            && unchecked(BinaryPrimitives.ReadUInt32BigEndian(ack.Data) - first) <= unchecked(phase1.DpdSequence - first);
        if (!matches)
        {
            Counters.DpdStaleAcks++;
            Log(actions, 45, $"R-U-THERE-ACK from {phase1.Remote.Address} ignored: no probe of ours has that sequence number");
            return;
        }

        Counters.DpdAcks++;
        Log(actions, 40, $"R-U-THERE-ACK {BinaryPrimitives.ReadUInt32BigEndian(ack.Data)} from {phase1.Remote.Address}");
        ProofOfLife(phase1, now, actions);
    }

    private void DpdTimer(Phase1Sa phase1, DateTimeOffset now, List<IkeAction> actions)
    {
        if (phase1.DpdRetransmits >= options.DpdRetransmits)
        {
            DeclareDead(phase1.Remote.Address, actions);
            return;
        }

        // Each R-U-THERE carries a new sequence number; an ACK of any of them proves liveness.
        phase1.DpdRetransmits++;
        SendRUThere(phase1, actions);
        phase1.DpdDue = Scheduled(now + Backoff(phase1.DpdRetransmits));
    }

    private static void SendRUThere(Phase1Sa phase1, List<IkeAction> actions)
    {
        phase1.DpdSequence = unchecked(phase1.DpdSequence + 1);
        var data = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(data, phase1.DpdSequence);
        SendInformational(phase1, [new NotificationPayload(ProtocolId.Isakmp, NotifyMessageType.DpdRUThere, phase1.CookieBytes(), data)], actions);
        Log(actions, 47, $"R-U-THERE {phase1.DpdSequence} sent to {phase1.Remote.Address}");
    }

    private static void EndProbe(Phase1Sa phase1)
    {
        phase1.DpdProbeFirst = null;
        phase1.DpdDue = null;
        phase1.DpdRetransmits = 0;
    }

    /// <summary>No answer to DPD: every SA with the peer goes, without deletes (nobody would read them).</summary>
    private void DeclareDead(IPAddress peer, List<IkeAction> actions)
    {
        Counters.DeadPeers++;
        Log(actions, 46, $"{peer} did not answer dead peer detection: its SAs are removed");
        foreach (var phase1 in _phase1s.EstablishedWith(peer).ToList())
        {
            foreach (var installed in phase1.Installed)
            {
                actions.Add(new DeleteIpsecSa(installed.Protocol, installed.InboundSpi, installed.OutboundSpi, peer));
                actions.Add(new IkeAuditEvent(IkeAuditKind.SaDeleted, peer, null, false, PeerDeadReason, installed.Selector));
            }

            actions.Add(new IkeAuditEvent(IkeAuditKind.SaDeleted, peer, null, false, PeerDeadReason));
            Remove(phase1);
        }

        actions.Add(new PeerDead(peer));
    }

    /// <summary>At the renewal point: a Main Mode in use gets a successor now; an unused one is asked again later.</summary>
    private void RenewalTimer(Phase1Sa phase1, DateTimeOffset now, List<IkeAction> actions)
    {
        phase1.RenewAt = null;
        var peer = phase1.Remote.Address;
        if (_phase1s.All.Any(p => p != phase1 && p.Remote.Address.Equals(peer) && p.Created > phase1.Created))
        {
            return; // a newer ISAKMP SA (ours or the peer's) already takes over
        }

        if (options.ShouldRenewMainMode?.Invoke(peer) != true)
        {
            var again = now + options.MainModeRenewalRecheck;
            phase1.RenewAt = again < phase1.Expires ? Scheduled(again) : null;
            return;
        }

        Counters.MainModeRenewals++;
        Log(actions, 22, $"ISAKMP SA with {peer} is in use and ends at {phase1.Expires:O}: renewing it");
        StartMainMode(phase1.Peer, new IPEndPoint(phase1.Local.Address, IkePorts.Ike), now, actions);
    }

    /// <summary>
    /// Before an ISAKMP SA is forgotten, its IPsec SAs move to the newest other established ISAKMP SA with the peer (its
    /// renewal), so idle deletes and dead peer detection still cover them.
    /// </summary>
    private void HandOverIpsecSas(Phase1Sa phase1)
    {
        var successor = _phase1s.EstablishedWith(phase1.Remote.Address).Where(p => p != phase1).MaxBy(p => p.Created);
        if (successor is null)
        {
            return;
        }

        successor.Installed.AddRange(phase1.Installed);
        phase1.Installed.Clear();
    }
}
