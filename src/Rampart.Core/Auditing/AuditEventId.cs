namespace Rampart.Core.Auditing;

/// <summary>
/// Audit event numbers. 541 to 547 keep the Windows 2000 Security log numbers the walkthrough uses, so an
/// administrator finds the events where the walkthrough says. 548 is Rampart's own for soft associations
/// (Windows 2000 audited them, under a number the walkthrough does not give).
/// </summary>
public enum AuditEventId
{
    /// <summary>IKE security association established (main mode or quick mode).</summary>
    SecurityAssociationEstablished = 541,
    /// <summary>IKE security association ended (data protection mode: a quick mode SA).</summary>
    QuickModeEnded = 542,
    /// <summary>IKE security association ended (key exchange mode: a main mode SA).</summary>
    MainModeEnded = 543,
    /// <summary>Peer could not be authenticated: certificate trust could not be established.</summary>
    CertificateTrustFailed = 544,
    /// <summary>IKE peer authentication failed.</summary>
    PeerAuthenticationFailed = 545,
    /// <summary>Peer sent an invalid proposal.</summary>
    InvalidProposal = 546,
    /// <summary>IKE security association negotiation failed.</summary>
    NegotiationFailed = 547,
    /// <summary>Soft association: the peer did not answer IKE and the filter action allowed clear traffic.</summary>
    SoftAssociation = 548,
}
