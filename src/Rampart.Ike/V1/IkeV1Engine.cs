using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Rampart.Core.Monitoring;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// The sans-I/O IKEv1 engine (RFC 2409 Main Mode with pre-shared keys, Quick Mode, informational exchanges,
/// RFC 3947 NAT traversal, RFC 3706 DPD). Inputs are datagrams, acquires, deletes and timer ticks, each with the
/// current time; outputs are <see cref="IkeAction"/>s appended to the caller's list. Not thread-safe: call it from
/// one thread (the agent's IKE loop).
/// </summary>
public sealed partial class IkeV1Engine(IkeV1EngineOptions options) : IDisposable
{
    private const int NonceLength = 32;

    private readonly Phase1SaTable _phase1s = new(options);
    private readonly HashSet<uint> _inboundSpis = [];

    /// <summary>Peers we had an ISAKMP SA with since start: INITIAL-CONTACT goes only to the others.</summary>
    private readonly HashSet<IPAddress> _contacted = [];
    private DateTimeOffset? _armed;
    private DateTimeOffset? _scheduled;

    public IkeV1Counters Counters { get; } = new();

    /// <summary>Responder Main Modes not yet authenticated (unproven and proven).</summary>
    public int HalfOpenCount => _phase1s.HalfOpenCount;

    /// <summary>Responder Main Modes past MM3, which a flood of new ones never evicts.</summary>
    public int HalfOpenProvenCount => _phase1s.HalfOpenProvenCount;

    /// <summary>All ISAKMP SAs, in any state.</summary>
    public int Phase1Count => _phase1s.Count;

    /// <summary>
    /// Secure <paramref name="selector"/> with <paramref name="peer"/>: reuses an established ISAKMP SA to that
    /// address, joins one being negotiated, or starts Main Mode from <paramref name="local"/> to port 500.
    /// </summary>
    public void Acquire(IkeV1PeerConfig peer, IPEndPoint local, ProxyIdentities selector, QuickModePolicy policy, DateTimeOffset now, List<IkeAction> actions)
    {
        var existing = _phase1s.Best(peer.RemoteAddress);
        if (existing is { State: Phase1State.Established } && peer.QuickModesPerMainMode > 0 && existing.QuickModesStarted >= peer.QuickModesPerMainMode)
        {
            // Used up (master key PFS when the limit is 1): retire it so this Quick Mode gets a fresh Main Mode.
            SendInformational(existing, [new DeletePayload(ProtocolId.Isakmp, 16, [existing.CookieBytes()])], actions);
            Remove(existing);
            existing = null;
        }

        if (existing is { State: Phase1State.Established })
        {
            StartQuickMode(existing, selector, policy, now, actions);
        }
        else if (existing is not null)
        {
            if (!existing.Pending.Any(p => p.Selector == selector))
            {
                existing.Pending.Add(new PendingAcquire(selector, policy));
            }
        }
        else
        {
            var phase1 = StartMainMode(peer, local, now, actions);
            phase1.Pending.Add(new PendingAcquire(selector, policy));
        }

        ArmIfEarlier(now, actions);
    }

    /// <summary>Deletes the SA pair with this inbound SPI (idle timeout, policy change) and tells the peer.</summary>
    public void DeleteIpsecSa(uint inboundSpi, DateTimeOffset now, List<IkeAction> actions)
    {
        foreach (var phase1 in _phase1s.All)
        {
            var installed = phase1.Installed.Find(i => i.InboundSpi == inboundSpi);
            if (installed is null)
            {
                continue;
            }

            phase1.Installed.Remove(installed);
            _inboundSpis.Remove(inboundSpi);
            var spi = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(spi, inboundSpi);
            SendInformational(phase1, [new DeletePayload(ProposalCodec.ToProtocolId(installed.Protocol), 4, [spi])], actions);
            actions.Add(new DeleteIpsecSa(installed.Protocol, installed.InboundSpi, installed.OutboundSpi, phase1.Remote.Address));
            actions.Add(new IkeAuditEvent(IkeAuditKind.SaDeleted, phase1.Remote.Address, null, true, $"deleted SPI {inboundSpi} locally", installed.Selector));
            return;
        }
    }

    /// <summary>Every ISAKMP SA, established or not, as <c>ike.status</c> and the monitor list them at <paramref name="now"/>.</summary>
    public IReadOnlyList<MainModeSaRow> MainModeSas(DateTimeOffset now) => [.. _phase1s.All.Select(p => p.ToRow(now))];

    /// <summary>
    /// Ends every established ISAKMP SA, telling each peer: the policy's authentication changed, and a Main Mode
    /// authenticated under the old methods must not key new Quick Modes. Installed IPsec SAs stay until their own end.
    /// </summary>
    public void RetireMainModes(List<IkeAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        foreach (var phase1 in _phase1s.All.Where(p => p.State == Phase1State.Established).ToList())
        {
            SendInformational(phase1, [new DeletePayload(ProtocolId.Isakmp, 16, [phase1.CookieBytes()])], actions);
            Log(actions, 31, $"ISAKMP SA with {phase1.Remote.Address} retired: the policy's authentication changed");
            Remove(phase1);
        }
    }

    /// <summary>Drops all state (agent restart).</summary>
    public void Reset()
    {
        _phase1s.Clear();
        _validations.Clear();
        _inboundSpis.Clear();
        _contacted.Clear();
        Reassembly.Clear();
        _armed = null;
        _scheduled = null;
    }

    public void Dispose() => Reset();

    /// <summary>
    /// Whether <paramref name="message"/> (from its ISAKMP header on, without a non-ESP marker) carries a cookie this
    /// engine sent to <paramref name="remote"/>: the initiator cookie of a Main Mode we started with it, or the responder
    /// cookie we answered it with. Off-path senders cannot know those, so such a message proves the sender receives at
    /// that address. Ask before <see cref="ProcessDatagram"/>, which may end the SA.
    /// </summary>
    public bool EchoesOurCookie(ReadOnlySpan<byte> message, IPAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        return _phase1s.EchoesOurCookie(message, remote);
    }

    /// <summary>
    /// Handles one ISAKMP message received on <paramref name="local"/> from <paramref name="remote"/>. It starts at the
    /// ISAKMP header on either port: the transport removes port 4500's non-ESP marker (RFC 3948 §2.2) and keepalives.
    /// </summary>
    public void ProcessDatagram(ReadOnlySpan<byte> datagram, IPEndPoint local, IPEndPoint remote, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!IsakmpHeader.TryParse(datagram, out var header, out _))
        {
            Counters.Malformed++;
            return;
        }

        datagram = datagram[..(int)header.Length];
        if (header.NextPayload == PayloadType.Fragment)
        {
            ReceiveFragment(datagram, local, remote, now, actions);
            return;
        }

        try
        {
            switch (header.Exchange)
            {
                case ExchangeType.IdentityProtection:
                    HandleMainMode(header, datagram, local, remote, now, actions);
                    break;
                case ExchangeType.QuickMode:
                    HandleQuickMode(header, datagram, now, actions);
                    break;
                case ExchangeType.Informational:
                    HandleInformational(header, datagram, remote, now, actions);
                    break;
                default:
                    Counters.Dropped++;
                    break;
            }
        }
        catch (CryptographicException)
        {
            Counters.Malformed++;
        }

        ArmIfEarlier(now, actions);
    }

    /// <summary>Runs retransmissions, give-ups and expiries due at <paramref name="now"/>, then arms the next timer.</summary>
    public void OnTimer(DateTimeOffset now, List<IkeAction> actions)
    {
        _armed = null;
        Reassembly.Expire(now);
        foreach (var phase1 in _phase1s.All.ToList())
        {
            foreach (var exchange in phase1.QuickModes.Values.ToList())
            {
                if (exchange.Due <= now)
                {
                    QuickModeTimer(phase1, exchange, now, actions);
                }
            }

            if (phase1.Due <= now)
            {
                Phase1Timer(phase1, now, actions);
            }

            if (phase1.State != Phase1State.Established || !_phase1s.Contains(phase1))
            {
                continue;
            }

            if (phase1.DpdDue <= now)
            {
                DpdTimer(phase1, now, actions);
            }
            else if (phase1.RenewAt <= now)
            {
                RenewalTimer(phase1, now, actions);
            }
        }

        ArmFromScan(now, actions);
    }

    private void Phase1Timer(Phase1Sa phase1, DateTimeOffset now, List<IkeAction> actions)
    {
        if (phase1.State == Phase1State.Established)
        {
            // Lifetime over: delete the ISAKMP SA; its renewal (if it was in use) or the next acquire's Main Mode takes
            // over. IPsec SAs keep their own lifetimes.
            HandOverIpsecSas(phase1);
            SendInformational(phase1, [new DeletePayload(ProtocolId.Isakmp, 16, [phase1.CookieBytes()])], actions);
            Log(actions, 20, $"ISAKMP SA with {phase1.Remote.Address} reached its lifetime");
            Remove(phase1);
            return;
        }

        if (phase1.State is Phase1State.InitiatorValidating or Phase1State.ResponderValidating)
        {
            PeerValidationTimedOut(phase1, actions);
            return;
        }

        if (phase1.State == Phase1State.GssWaiting)
        {
            GssStepTimedOut(phase1, actions);
            return;
        }

        if (!phase1.IsInitiator)
        {
            Log(actions, 21, $"half-open Main Mode from {phase1.Remote} timed out");
            Remove(phase1);
            return;
        }

        if (phase1.Retransmits >= options.MaxRetransmits || phase1.LastSent is null)
        {
            Fail(phase1, null, "peer did not answer IKE", actions);
            return;
        }

        phase1.Retransmits++;
        Counters.Retransmits++;
        phase1.Resend(phase1.LastSent, actions);
        phase1.Due = Scheduled(now + Backoff(phase1.Retransmits));
    }

    private TimeSpan Backoff(int retransmits) => options.RetransmitInitial * (1 << Math.Min(retransmits, 16));

    /// <summary>Records a due time set by this event, for <see cref="ArmIfEarlier"/>.</summary>
    private DateTimeOffset Scheduled(DateTimeOffset due)
    {
        _scheduled = Min(_scheduled, due);
        return due;
    }

    /// <summary>
    /// Arms the timer earlier if this event scheduled something before it. Only the due times set since the last arm
    /// need looking at: the armed time is never later than any older one (<see cref="ArmFromScan"/> after each timer run).
    /// A due time cleared or moved later leaves the timer early, and <see cref="OnTimer"/> then finds nothing to do.
    /// </summary>
    private void ArmIfEarlier(DateTimeOffset now, List<IkeAction> actions)
    {
        var next = _scheduled;
        _scheduled = null;
        Arm(next, now, actions);
    }

    /// <summary>After a timer run: the earliest due time of every SA and exchange.</summary>
    private void ArmFromScan(DateTimeOffset now, List<IkeAction> actions)
    {
        DateTimeOffset? next = null;
        foreach (var phase1 in _phase1s.All)
        {
            next = Min(Min(Min(next, phase1.Due), phase1.DpdDue), phase1.RenewAt);
            foreach (var exchange in phase1.QuickModes.Values)
            {
                next = Min(next, exchange.Due);
            }
        }

        _scheduled = null;
        Arm(next, now, actions);
    }

    private void Arm(DateTimeOffset? next, DateTimeOffset now, List<IkeAction> actions)
    {
        if (next is { } due && (_armed is null || due < _armed))
        {
            _armed = due < now ? now : due;
            actions.Add(new ArmTimer(_armed.Value));
        }
    }

    private static DateTimeOffset? Min(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a < b ? a : b);

    /// <summary>The live ISAKMP SAs, for tests that check what an ended one leaves behind.</summary>
    internal IReadOnlyList<Phase1Sa> IsakmpSas() => [.. _phase1s.All];

    /// <summary>Forgets an ISAKMP SA: its IPsec SAs' inbound SPIs become free, its keys are zeroed.</summary>
    private void Remove(Phase1Sa phase1)
    {
        foreach (var installed in phase1.Installed)
        {
            _inboundSpis.Remove(installed.InboundSpi);
        }

        if (phase1.ValidationId != 0)
        {
            _validations.Remove(phase1.ValidationId);
        }

        if (phase1.GssRequestId != 0)
        {
            _gssRequests.Remove(phase1.GssRequestId);
        }

        _phase1s.Remove(phase1);
    }

    /// <summary>Ends a negotiation that failed: audit it, fail its waiting acquires, forget the state.</summary>
    private void Fail(Phase1Sa phase1, NotifyMessageType? reason, string detail, List<IkeAction> actions, IkeAuditKind kind = IkeAuditKind.NegotiationFailed)
    {
        Counters.NegotiationFailures++;
        ReleaseGss(phase1, actions);
        if (reason == NotifyMessageType.AuthenticationFailed)
        {
            Counters.AuthenticationFailures++;
        }

        if (kind == IkeAuditKind.CertificateRejected)
        {
            Counters.CertificatesRejected++;
        }

        // NO-PROPOSAL-CHOSEN here is the peer refusing ours: only it knows which attribute.
        var mismatch = reason == NotifyMessageType.NoProposalChosen ? ProposalMismatch.RefusedByPeer(IkeNegotiationMode.MainMode) : null;
        actions.Add(new IkeAuditEvent(kind, phase1.Remote.Address, reason, phase1.PeerAnswered, $"Main Mode: {detail}", Mismatch: mismatch));
        foreach (var pending in phase1.Pending)
        {
            actions.Add(new IkeAuditEvent(IkeAuditKind.NegotiationFailed, phase1.Remote.Address, reason, phase1.PeerAnswered, $"Quick Mode not started: {detail}", pending.Selector, mismatch));
        }

        Log(actions, 30, $"negotiation with {phase1.Remote.Address} failed: {detail}");
        Remove(phase1);
    }

    private static void Log(List<IkeAction> actions, int eventId, string message) => actions.Add(new IkeLogEvent(eventId, message));

    private static ulong NewCookie()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong cookie;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            cookie = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        }
        while (cookie == 0);
        return cookie;
    }

    private static uint NewMessageId()
    {
        Span<byte> bytes = stackalloc byte[4];
        uint id;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            id = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        }
        while (id == 0);
        return id;
    }

    /// <summary>A fresh inbound SPI: random, above the reserved range 1-255 (RFC 4303 §2.1), unique on this host.</summary>
    private uint NewInboundSpi()
    {
        uint spi;
        do
        {
            spi = NewMessageId();
        }
        while (spi < 256 || !_inboundSpis.Add(spi));
        return spi;
    }

    /// <summary>Decrypts with <see cref="Phase1Sa.TryDecrypt"/>, counting a failure as malformed.</summary>
    private bool TryDecrypt(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, byte[] iv, out List<IsakmpPayload> payloads, out byte[] plaintext, out byte[] nextIv)
    {
        if (phase1.TryDecrypt(header, message, iv, out payloads, out plaintext, out nextIv))
        {
            return true;
        }

        Counters.Malformed++;
        return false;
    }

    /// <summary>Decrypts a message that must start with a HASH payload; <paramref name="rest"/> is what that hash covers.</summary>
    private bool TryDecryptHashed(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, byte[] iv, out List<IsakmpPayload> payloads, out byte[] rest, out byte[] hash, out byte[] nextIv)
    {
        rest = [];
        hash = [];
        return TryDecrypt(phase1, header, message, iv, out payloads, out var plaintext, out nextIv)
            && Phase1Sa.TrySplitHash(payloads, plaintext, out rest, out hash);
    }

    private static T? Find<T>(List<IsakmpPayload> payloads)
        where T : IsakmpPayload => payloads.OfType<T>().FirstOrDefault();
}
