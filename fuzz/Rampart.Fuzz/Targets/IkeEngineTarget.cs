using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Rampart.Core;
using Rampart.Core.Algorithms;
using Rampart.Core.SecurityAssociations;
using Rampart.Ike;
using Rampart.Ike.Crypto;
using Rampart.Ike.V1;
using Rampart.Ike.Wire;

namespace Rampart.Fuzz.Targets;

/// <summary>
/// An IKEv1 engine, initiator or responder, in every state of a real negotiation, receives the fuzzed datagram.
/// The engine must never throw. Input: [selector][flags][datagram]. The selector picks the negotiation setup, the
/// receiving engine and the step (how many of the real exchange's datagrams were delivered before). Flags: bit 0
/// copies the cookies, bit 2 the message ID, from the datagram the real peer would send next (so a mutated message
/// reaches the state's handler instead of the unknown-cookie drop); bit 1 sends it between UDP 4500 endpoints (bare, as the transport hands it over without its non-ESP marker);
/// bits 3-4 run the engine's timer afterwards; bit 5 encrypts the message with the receiver's ISAKMP SA keys
/// (<see cref="IsakmpSealer"/>), so that fuzzed payloads get behind the encryption and quick mode's HASH(1); bit 6
/// negotiates with ECDSA certificates instead of the pre-shared key (CERTREQ, CERT, SIG, ID checks; the host's
/// validation answers "valid" at once).
/// </summary>
internal sealed class IkeEngineTarget : IFuzzTarget
{
    private const int PatchCookies = 1;
    private const int NatTraversalPort = 2;
    private const int PatchMessageId = 4;
    private const int Seal = 0x20;
    private const int Certificates = 0x40;

    // Flags bits 3-4: whether the receiving engine's timer runs after the datagram, and when: none, a retransmission,
    // the half-open timeout, past every lifetime.
    private static readonly TimeSpan?[] TimerDelays = [null, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(31), TimeSpan.FromHours(9)];

    public string Name => "ike-engine";

    /// <summary>What the receiving engine did with the last input (for the harness's own tests).</summary>
    internal IReadOnlyList<IkeAction> LastActions { get; private set; } = [];

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length < 2)
        {
            return;
        }

        var setup = Setups[input[0] % Setups.Length];
        var toResponder = (input[0] / Setups.Length & 1) != 0;
        var step = input[0] / Setups.Length / 2 % (setup.Steps + 1);
        var flags = input[1];
        var datagram = input[2..].ToArray();

        using var run = new Negotiation((flags & Certificates) != 0 ? setup with { Certificates = true } : setup);
        run.Deliver(step);
        if (run.NextOrLast() is { } reference)
        {
            if ((flags & PatchCookies) != 0 && datagram.Length >= 16)
            {
                reference.AsSpan(0, 16).CopyTo(datagram);
            }

            if ((flags & PatchMessageId) != 0 && datagram.Length >= 24)
            {
                reference.AsSpan(20, 4).CopyTo(datagram.AsSpan(20));
            }
        }

        if ((flags & Seal) != 0 && IsakmpSealer.Seal(run.Engine(toResponder), datagram) is { } sealedMessage)
        {
            datagram = sealedMessage;
        }

        var natTraversal = (flags & NatTraversalPort) != 0;
        LastActions = run.Inject(toResponder, datagram, natTraversal, TimerDelays[(flags >> 3) & 3]);
    }

    public IEnumerable<(string Name, byte[] Input)> Seeds()
    {
        for (var s = 0; s < Setups.Length; s++)
        {
            var transcript = RecordNegotiation(Setups[s]);
            for (var step = 0; step < transcript.Count; step++)
            {
                var selector = (byte)(s + (Setups.Length * ((transcript[step].ToResponder ? 1 : 0) + (2 * step))));
                var flags = PatchCookies | PatchMessageId | (transcript[step].NatTraversal ? NatTraversalPort : 0);
                yield return ($"setup{s}-step{step:D2}", [selector, (byte)flags, .. transcript[step].Datagram]);
            }

            foreach (var (name, step, toResponder, flags, plaintext) in PlaintextSeeds(Setups[s]))
            {
                var selector = (byte)(s + (Setups.Length * ((toResponder ? 1 : 0) + (2 * step))));
                yield return ($"setup{s}-{name}", [selector, (byte)flags, .. plaintext]);
            }
        }

        // Certificate authentication on the first setup: the clear messages (CERTREQs) and MM5/MM6 in clear, sealed.
        var signed = Setups[0] with { Certificates = true };
        var signedTranscript = RecordNegotiation(signed);
        for (var step = 0; step < 4; step++)
        {
            var selector = (byte)(Setups.Length * ((signedTranscript[step].ToResponder ? 1 : 0) + (2 * step)));
            yield return ($"setup0-cert-step{step:D2}", [selector, PatchCookies | PatchMessageId | Certificates, .. signedTranscript[step].Datagram]);
        }

        foreach (var (name, step, toResponder, plaintext) in SignedIdentitySeeds(signed))
        {
            var selector = (byte)(Setups.Length * ((toResponder ? 1 : 0) + (2 * step)));
            yield return ($"setup0-cert-{name}", [selector, Seal | PatchCookies | Certificates, .. plaintext]);
        }
    }

    /// <summary>MM5 (to the responder) and MM6 (to the initiator) of a certificate negotiation, decrypted: ID, CERT, SIG.</summary>
    public static IEnumerable<(string Name, int Step, bool ToResponder, byte[] Plaintext)> SignedIdentitySeeds(Setup setup)
    {
        using var run = new Negotiation(setup);
        run.Deliver(int.MaxValue);
        var mm5 = run.Transcript[4].Datagram;
        var responder = run.Engine(toResponder: true).IsakmpSas()[0];
        var initialIv = IkeV1KeyDerivation.InitialIv(responder.Prf!, responder.PublicI, responder.PublicR, responder.Cipher!.BlockSize);
        if (IsakmpSealer.OpenMainMode(responder, mm5, initialIv) is { } mm5Plain)
        {
            yield return ("mm5-plain", 4, true, mm5Plain);
        }

        if (IsakmpSealer.OpenMainMode(responder, run.Transcript[5].Datagram, mm5[^responder.Cipher.BlockSize..]) is { } mm6Plain)
        {
            yield return ("mm6-plain", 5, false, mm6Plain);
        }
    }

    /// <summary>
    /// Sealed-mode seeds: the real quick mode's first message in clear (for the responder before it arrives), and an
    /// informational exchange with a delete and a DPD R-U-THERE for each side of an established SA.
    /// </summary>
    public static IEnumerable<(string Name, int Step, bool ToResponder, int Flags, byte[] Plaintext)> PlaintextSeeds(Setup setup)
    {
        using var run = new Negotiation(setup);
        run.Deliver(int.MaxValue);
        var firstQuickMode = run.Transcript.FindIndex(t => t.Datagram[18] == (byte)ExchangeType.QuickMode);
        if (firstQuickMode >= 0 && IsakmpSealer.Open(run.Engine(toResponder: true), run.Transcript[firstQuickMode].Datagram) is { } quickMode)
        {
            var port = run.Transcript[firstQuickMode].NatTraversal ? NatTraversalPort : 0;
            yield return ("qm1-plain", firstQuickMode, true, Seal | PatchCookies | PatchMessageId | port, quickMode);
        }

        var header = new IsakmpHeader(0, 0, PayloadType.None, ExchangeType.Informational, IsakmpFlags.None, 0x0102_0304, 0);
        var informational = new IsakmpMessage(header,
        [
            new DeletePayload(ProtocolId.IpsecEsp, 4, [[0x10, 0x00, 0x00, 0x01]]),
            new NotificationPayload(ProtocolId.Isakmp, NotifyMessageType.DpdRUThere, new byte[16], [0, 0, 0, 7]),
        ]).ToArray();
        var natTraversal = run.Transcript[^1].NatTraversal ? NatTraversalPort : 0;
        yield return ("informational-plain-r", run.Transcript.Count, true, Seal | PatchCookies | natTraversal, informational);
        yield return ("informational-plain-i", run.Transcript.Count, false, Seal | PatchCookies | natTraversal, informational);
    }

    /// <summary>The datagrams of a whole negotiation (Main Mode and Quick Mode), in delivery order.</summary>
    public static List<(bool ToResponder, byte[] Datagram, bool NatTraversal)> RecordNegotiation(Setup? setup = null)
    {
        setup ??= Setups[0];
        using var run = new Negotiation(setup);
        run.Deliver(int.MaxValue);
        return run.Transcript;
    }

    internal sealed record Setup(IkeProposal Phase1, QuickModePolicy QuickMode, bool ForceUdpEncapsulation)
    {
        public int Steps { get; init; } = -1;

        /// <summary>Authenticate with ECDSA P-256 certificates instead of the pre-shared key (same number of messages).</summary>
        public bool Certificates { get; init; }

        /// <summary>Datagrams a full negotiation of this setup delivers (computed once).</summary>
        public Setup WithSteps()
        {
            using var run = new Negotiation(this);
            run.Deliver(int.MaxValue);
            return this with { Steps = run.Transcript.Count };
        }
    }

    // Elliptic curve groups keep a negotiation to a few milliseconds; the states are the same as with MODP.
    internal static readonly Setup[] Setups =
    [
        new Setup(
            new IkeProposal(CipherAlgorithm.AesCbc128, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromHours(8)),
            new QuickModePolicy([new IpsecProposal(SaProtocol.Esp, CipherAlgorithm.AesGcm128, IntegrityAlgorithm.None, 900, 100_000)], DhGroup.None, SaMode.Transport),
            ForceUdpEncapsulation: false).WithSteps(),
        new Setup(
            new IkeProposal(CipherAlgorithm.AesCbc256, IntegrityAlgorithm.Sha256, DhGroup.Ecp256, TimeSpan.FromHours(8)),
            new QuickModePolicy([new IpsecProposal(SaProtocol.Ah, CipherAlgorithm.Null, IntegrityAlgorithm.Sha256, 900, 100_000)], DhGroup.Ecp256, SaMode.Tunnel),
            ForceUdpEncapsulation: true).WithSteps(),
    ];

    /// <summary>Two engines joined in memory, as the IKE tests' TwoEngines: an initiator's acquire, then delivery step by step.</summary>
    private sealed class Negotiation : IDisposable
    {
        private static readonly IPAddress AddressI = IPAddress.Parse("192.0.2.1");
        private static readonly IPAddress AddressR = IPAddress.Parse("192.0.2.2");
        private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        private static readonly byte[] Psk = "ABC123"u8.ToArray();

        private readonly Queue<(bool ToResponder, SendDatagram Send)> _inFlight = new();
        private readonly IkeV1Engine _initiator;
        private readonly IkeV1Engine _responder;

        public Negotiation(Setup setup)
        {
            IkeAuthentication Method(X509Certificate2 host) => setup.Certificates ? HostCertificates.Method(host) : new IkePreSharedKey(Psk);
            var initiatorPeer = new IkeV1PeerConfig(AddressR, [Method(HostCertificates.Initiator)], [setup.Phase1]) { ForceUdpEncapsulation = setup.ForceUdpEncapsulation };
            var responderPeer = new IkeV1PeerConfig(AddressI, [Method(HostCertificates.Responder)], [setup.Phase1]);
            _initiator = new IkeV1Engine(new IkeV1EngineOptions { FindPeer = _ => null, FindQuickMode = (_, _) => null });
            _responder = new IkeV1Engine(new IkeV1EngineOptions
            {
                FindPeer = address => address.Equals(AddressI) ? responderPeer : null,
                FindQuickMode = (_, _) => setup.QuickMode,
            });
            var actions = new List<IkeAction>();
            var selector = new ProxyIdentities(ProxyIdentity.Host(AddressI), ProxyIdentity.Host(AddressR));
            _initiator.Acquire(initiatorPeer, new IPEndPoint(AddressI, IkePorts.Ike), selector, setup.QuickMode, Now, actions);
            Queue(toResponder: true, actions);
        }

        /// <summary>What was delivered, and whether it went between UDP 4500 endpoints.</summary>
        public List<(bool ToResponder, byte[] Datagram, bool NatTraversal)> Transcript { get; } = [];

        /// <summary>Delivers up to <paramref name="count"/> datagrams of the real exchange.</summary>
        public void Deliver(int count)
        {
            while (count-- > 0 && _inFlight.TryDequeue(out var item))
            {
                var natTraversal = item.Send.Remote.Port == IkePorts.NatTraversal;
                Transcript.Add((item.ToResponder, item.Send.Datagram, natTraversal));
                var actions = new List<IkeAction>();
                (item.ToResponder ? _responder : _initiator).ProcessDatagram(item.Send.Datagram, item.Send.Remote, item.Send.Local, Now, actions);
                Queue(!item.ToResponder, actions);
            }
        }

        /// <summary>The datagram the real peer sends next (the last one once the exchange is over).</summary>
        public byte[]? NextOrLast() =>
            _inFlight.TryPeek(out var next) ? next.Send.Datagram
            : Transcript.Count > 0 ? Transcript[^1].Datagram : null;

        public IkeV1Engine Engine(bool toResponder) => toResponder ? _responder : _initiator;

        public List<IkeAction> Inject(bool toResponder, byte[] datagram, bool natTraversal, TimeSpan? timerDelay)
        {
            var port = natTraversal ? IkePorts.NatTraversal : IkePorts.Ike;
            var local = new IPEndPoint(toResponder ? AddressR : AddressI, port);
            var remote = new IPEndPoint(toResponder ? AddressI : AddressR, port);
            var engine = toResponder ? _responder : _initiator;
            var actions = new List<IkeAction>();
            engine.ProcessDatagram(datagram, local, remote, Now, actions);
            CompleteValidations(engine, actions);

            if (timerDelay is { } delay)
            {
                engine.OnTimer(Now + delay, actions);
            }

            return actions;
        }

        public void Dispose()
        {
            _initiator.Dispose();
            _responder.Dispose();
        }

        /// <summary>The host's certificate validation, answered "valid" at once so the exchange goes on.</summary>
        private static void CompleteValidations(IkeV1Engine engine, List<IkeAction> actions)
        {
            foreach (var validate in actions.OfType<ValidatePeerCertificate>().ToList())
            {
                engine.CompletePeerValidation(validate.RequestId, CertificateCheck.Valid, Now, actions);
            }
        }

        private void Queue(bool toResponder, List<IkeAction> actions)
        {
            CompleteValidations(toResponder ? _initiator : _responder, actions);
            foreach (var action in actions)
            {
                if (action is SendDatagram send)
                {
                    _inFlight.Enqueue((toResponder, send));
                }
            }
        }
    }

    /// <summary>Two self-signed ECDSA P-256 host certificates, made once per process (key generation is not fuzzed).</summary>
    private static class HostCertificates
    {
        public static X509Certificate2 Initiator { get; } = Create("CN=fuzz-initiator");

        public static X509Certificate2 Responder { get; } = Create("CN=fuzz-responder");

        public static IkeCertificateAuthentication Method(X509Certificate2 host) => new()
        {
            CaNames = ["fuzz"],
            RequestedAuthorities = [new X500DistinguishedName("CN=fuzz-initiator"), new X500DistinguishedName("CN=fuzz-responder")],
            SignatureKinds = [IkeSignatureKind.EcdsaP256],
            ChooseCredential = (_, kind) => kind == IkeSignatureKind.EcdsaP256 ? new IkeCertificateCredential(host, []) : null,
        };

        private static X509Certificate2 Create(string subject)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            return request.CreateSelfSigned(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero));
        }
    }
}
