using System.Security.Cryptography;
using Rampart.Ike.Crypto;
using Rampart.Ike.Wire;

namespace Rampart.Ike.V1;

/// <summary>
/// Signature authentication (RFC 2409 §5.1, RFC 4754): the methods offered and chosen, our ID, CERTs and SIG, the
/// checks of the peer's, and the pause while the host validates the peer's certificate chain.
/// </summary>
public sealed partial class IkeV1Engine
{
    private readonly Dictionary<long, Phase1Sa> _validations = [];
    private long _lastValidationId;

    /// <summary>
    /// The host's answer to <see cref="ValidatePeerCertificate"/> <paramref name="requestId"/>: Main Mode goes on when
    /// <paramref name="result"/> is valid, else fails with AUTHENTICATION-FAILED and a <see cref="IkeAuditKind.CertificateRejected"/>
    /// audit carrying the reason. An unknown request (already timed out, SA gone) is ignored.
    /// </summary>
    public void CompletePeerValidation(long requestId, CertificateCheck result, DateTimeOffset now, List<IkeAction> actions)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(actions);
        if (!_validations.Remove(requestId, out var phase1) || !_phase1s.Contains(phase1) || phase1.ValidationId != requestId)
        {
            return;
        }

        phase1.ValidationId = 0;
        if (!result.IsValid)
        {
            RefuseAuthentication(phase1, $"certificate of {phase1.PeerIdentity} rejected: {result.Reason}", IkeAuditKind.CertificateRejected, actions);
        }
        else if (phase1.State == Phase1State.InitiatorValidating)
        {
            Established(phase1, now, actions);
        }
        else if (!TryBuildSignedIdentity(phase1, out var payloads, out var failure))
        {
            RefuseAuthentication(phase1, failure, IkeAuditKind.NegotiationFailed, actions);
        }
        else
        {
            if (phase1.PeerSentInitialContact)
            {
                ForgetOtherSas(phase1, actions);
            }

            var iv = phase1.Iv;
            var reply = phase1.Encrypt(phase1.Header(ExchangeType.IdentityProtection, 0), payloads, ref iv);
            phase1.Iv = iv;
            phase1.LastSent = phase1.Send(reply, actions);
            Established(phase1, now, actions);
        }

        ArmIfEarlier(now, actions);
    }

    /// <summary>The authentication methods we offer, in the rule's order: a certificate method once per signature kind.</summary>
    private static List<IkeAuthenticationMethod> OfferedMethods(IkeV1PeerConfig peer)
    {
        var methods = new List<IkeAuthenticationMethod>();
        foreach (var method in peer.AuthenticationMethods)
        {
            IEnumerable<IkeAuthenticationMethod> wire = method switch
            {
                IkePreSharedKey => [IkeAuthenticationMethod.PreSharedKey],
                IkeKerberosAuthentication => [IkeAuthenticationMethod.GssApiKerberos],
                IkeCertificateAuthentication certificates => certificates.SignatureKinds.Select(IkeSignatures.Method),
                _ => [],
            };
            methods.AddRange(wire.Where(w => !methods.Contains(w)));
        }

        return methods;
    }

    /// <summary>Each authentication method with each IKE proposal, methods first (a transform number is one byte).</summary>
    private static TransformPayload[] OfferedTransforms(IkeV1PeerConfig peer) =>
        [.. OfferedMethods(peer)
            .SelectMany(method => peer.IkeProposals.Select(proposal => (method, proposal)))
            .Take(byte.MaxValue)
            .Select((offer, i) => ProposalCodec.EncodeIke((byte)(i + 1), offer.proposal, offer.method))];

    /// <summary>Records the negotiated method and, for a signature method, the certificate method that offered it.</summary>
    private static void ChooseAuthentication(Phase1Sa phase1, IkeAuthenticationMethod method)
    {
        phase1.AuthenticationMethod = method;
        phase1.Certificates = IkeSignatures.KindOf(method) is { } kind
            ? phase1.Peer.AuthenticationMethods.OfType<IkeCertificateAuthentication>().FirstOrDefault(c => c.SignatureKinds.Contains(kind))
            : null;
        phase1.Kerberos = method == IkeAuthenticationMethod.GssApiKerberos ? phase1.Peer.AuthenticationMethods.OfType<IkeKerberosAuthentication>().FirstOrDefault() : null;
    }

    /// <summary>
    /// Our ID, CERTs (end-entity first) and SIG over HASH_I (initiator, MM5) or HASH_R (responder, MM6), with the
    /// certificate the host's chooser picks for the peer's CERTREQs; false with the reason when none is usable.
    /// </summary>
    private static bool TryBuildSignedIdentity(Phase1Sa phase1, out List<IsakmpPayload> payloads, out string failure)
    {
        payloads = [];
        var certificates = phase1.Certificates!;
        var kind = IkeSignatures.KindOf(phase1.AuthenticationMethod)!.Value;
        var credential = certificates.ChooseCredential(phase1.PeerRequestedAuthorities, kind);
        if (credential is null || !credential.Certificate.HasPrivateKey)
        {
            var requested = phase1.PeerRequestedAuthorities.Count == 0 ? "any CA" : string.Join("; ", phase1.PeerRequestedAuthorities.Select(a => a.Name));
            failure = $"no usable {kind} certificate with a private key (the peer requested {requested})";
            return false;
        }

        var id = phase1.Peer.LocalIdentity?.ToPayload() ?? PeerCertificates.IdentityFor(credential.Certificate, certificates.IdentityType, phase1.Local.Address);
        var hash = phase1.IsInitiator
            ? IkeV1KeyDerivation.HashI(AuthenticationPrf(phase1), phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, id.BodyBytes())
            : IkeV1KeyDerivation.HashR(AuthenticationPrf(phase1), phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, id.BodyBytes());
        byte[] signature;
        try
        {
            signature = IkeSignatures.Sign(credential.Certificate, kind, hash);
        }
        catch (CryptographicException e)
        {
            failure = $"signing with {credential.Certificate.Subject} failed: {e.Message}";
            return false;
        }

        payloads.Add(id);
        payloads.Add(new CertificatePayload(CertificatePayload.X509Signature, credential.Certificate.RawData));
        payloads.AddRange(credential.Intermediates.Select(c => new CertificatePayload(CertificatePayload.X509Signature, c.RawData)));
        payloads.Add(new SignaturePayload(signature));
        failure = "";
        return true;
    }

    /// <summary>
    /// Checks the peer's signed MM5 (responder) or MM6 (initiator): its certificates, its SIG over HASH_I or HASH_R with
    /// the end-entity key, its ID against the certificate; then asks the host to validate the chain and waits. False
    /// when the SA has failed.
    /// </summary>
    private bool CheckSignedIdentity(Phase1Sa phase1, List<IsakmpPayload> payloads, DateTimeOffset now, List<IkeAction> actions)
    {
        var message = phase1.IsInitiator ? "MM6" : "MM5";
        if (Find<IdentificationPayload>(payloads) is not { } id || Find<SignaturePayload>(payloads) is not { } signature)
        {
            RefuseAuthentication(phase1, $"{message} without an ID or a SIG payload", IkeAuditKind.NegotiationFailed, actions);
            return false;
        }

        var kind = IkeSignatures.KindOf(phase1.AuthenticationMethod)!.Value;
        if (!PeerCertificates.TryLoad(payloads.OfType<CertificatePayload>(), kind, out var loaded, out var refusal) || loaded is not { } chain)
        {
            RefuseAuthentication(phase1, $"peer certificate refused: {refusal}", IkeAuditKind.CertificateRejected, actions);
            return false;
        }

        var expected = phase1.IsInitiator
            ? IkeV1KeyDerivation.HashR(AuthenticationPrf(phase1), phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, id.BodyBytes())
            : IkeV1KeyDerivation.HashI(AuthenticationPrf(phase1), phase1.Skeyid, phase1.PublicI, phase1.PublicR, phase1.CookieI, phase1.CookieR, phase1.InitiatorSaBody, id.BodyBytes());
        bool verified;
        try
        {
            verified = IkeSignatures.Verify(chain.EndEntity, kind, expected, signature.Data);
        }
        catch (CryptographicException)
        {
            verified = false;
        }

        string? failure = !verified ? $"the {message} signature does not verify with the key of {chain.EndEntity.Subject}"
            : !PeerCertificates.IdentityMatches(id, chain.EndEntity) ? $"the peer's ID {PeerCertificates.Describe(id)} is not in its certificate {chain.EndEntity.Subject}"
            : phase1.Peer.RemoteIdentity is { } required && !required.Matches(id) ? $"the peer's ID {PeerCertificates.Describe(id)} is not the one required"
            : null;
        if (failure is not null)
        {
            chain.Dispose();
            RefuseAuthentication(phase1, failure, verified ? IkeAuditKind.CertificateRejected : IkeAuditKind.NegotiationFailed, actions);
            return false;
        }

        phase1.PeerIdentity = chain.EndEntity.Subject;
        phase1.ValidationId = ++_lastValidationId;
        _validations[phase1.ValidationId] = phase1;
        phase1.Due = Scheduled(now + options.PeerValidationTimeout);
        Counters.CertificateValidations++;
        actions.Add(new ValidatePeerCertificate(phase1.ValidationId, phase1.Remote.Address, chain.EndEntity, chain.Intermediates, phase1.Certificates!));
        Log(actions, 40, $"{message} from {phase1.Remote.Address} signed by {chain.EndEntity.Subject}: validating its certificate");
        return true;
    }

    /// <summary>
    /// The prf of HASH_I/HASH_R under a signature method: the negotiated one for RSA; for ECDSA (RFC 4754) HMAC with the
    /// curve's hash (SHA-256, SHA-384, SHA-512 for P-256, P-384, P-521) whatever the proposal's hash, as strongSwan
    /// keys its IKEv1 authentication prf. SKEYID and its children stay with the negotiated prf.
    /// </summary>
    internal static IkePrf AuthenticationPrf(Phase1Sa phase1) => IkeSignatures.KindOf(phase1.AuthenticationMethod) switch
    {
        IkeSignatureKind.EcdsaP256 => new IkePrf(Core.Algorithms.IntegrityAlgorithm.Sha256),
        IkeSignatureKind.EcdsaP384 => new IkePrf(Core.Algorithms.IntegrityAlgorithm.Sha384),
        IkeSignatureKind.EcdsaP521 => new IkePrf(Core.Algorithms.IntegrityAlgorithm.Sha512),
        _ => phase1.Prf!,
    };

    /// <summary>Responder: a signed MM5, checked, then held until the host validates the peer's certificate.</summary>
    private void ResponderReceiveSignedId(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, System.Net.IPEndPoint local, System.Net.IPEndPoint remote, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!TryDecrypt(phase1, header, message, phase1.Iv, out var payloads, out _, out var nextIv))
        {
            AuthenticationFailed(phase1, "could not decrypt or parse MM5", actions);
            return;
        }

        if (!CheckSignedIdentity(phase1, payloads, now, actions))
        {
            return;
        }

        phase1.Iv = nextIv;
        phase1.Local = local;
        phase1.Remote = remote;
        phase1.PeerSentInitialContact = payloads.OfType<NotificationPayload>().Any(n => n.NotifyType == NotifyMessageType.InitialContact);
        phase1.LastReceived = message.ToArray();
        phase1.State = Phase1State.ResponderValidating;
    }

    /// <summary>Initiator: a signed MM6, checked, then held until the host validates the peer's certificate.</summary>
    private void InitiatorReceiveSignedId(Phase1Sa phase1, in IsakmpHeader header, ReadOnlySpan<byte> message, DateTimeOffset now, List<IkeAction> actions)
    {
        if (!TryDecrypt(phase1, header, message, phase1.Iv, out var payloads, out _, out var nextIv)
            || !CheckSignedIdentity(phase1, payloads, now, actions))
        {
            return;
        }

        phase1.Iv = nextIv;
        phase1.LastReceived = message.ToArray();
        phase1.State = Phase1State.InitiatorValidating;
    }

    /// <summary>The host did not answer in time: fail the Main Mode as an authentication failure.</summary>
    private void PeerValidationTimedOut(Phase1Sa phase1, List<IkeAction> actions)
    {
        _validations.Remove(phase1.ValidationId);
        phase1.ValidationId = 0;
        RefuseAuthentication(phase1, $"validation of the certificate of {phase1.PeerIdentity} did not complete within {options.PeerValidationTimeout.TotalSeconds:0} s", IkeAuditKind.NegotiationFailed, actions);
    }

    /// <summary>Fails the Main Mode with AUTHENTICATION-FAILED, telling the peer when we are the responder (as with a bad HASH_I).</summary>
    private void RefuseAuthentication(Phase1Sa phase1, string detail, IkeAuditKind kind, List<IkeAction> actions)
    {
        if (!phase1.IsInitiator)
        {
            SendUnprotectedNotify(phase1, NotifyMessageType.AuthenticationFailed, actions);
        }

        Fail(phase1, NotifyMessageType.AuthenticationFailed, detail, actions, kind);
    }
}
