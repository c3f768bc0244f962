namespace Rampart.Core.Policy;

/// <summary>The objects a fresh store holds, as in Windows 2000: three policies authenticating with Kerberos, none assigned.</summary>
public static class BuiltInPolicies
{
    public const string AllIpTraffic = "All IP Traffic";
    public const string AllIcmpTraffic = "All ICMP Traffic";
    public const string Permit = "Permit";
    public const string RequestSecurity = "Request Security (Optional)";
    public const string RequireSecurity = "Require Security";
    public const string Client = "Client (Respond Only)";
    public const string Server = "Server (Request Security)";
    public const string SecureServer = "Secure Server (Require Security)";

    /// <summary>The short names the walkthrough uses for the built-in policies.</summary>
    public static readonly IReadOnlyDictionary<string, string> ShortNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["Client"] = Client,
        ["Server"] = Server,
        ["Secure Server"] = SecureServer,
    };

    public static readonly EquatableList<FilterList> FilterLists = EquatableList.Of(
        new FilterList(
            AllIpTraffic,
            "Matches all IP packets from this computer to any other computer, except broadcast, multicast, Kerberos, RSVP and IKE.",
            EquatableList.Of(new Filter(AddressSpec.Me, AddressSpec.Any))),
        new FilterList(
            AllIcmpTraffic,
            "Matches all ICMP packets between this computer and any other computer.",
            EquatableList.Of(new Filter(AddressSpec.Me, AddressSpec.Any, Filter.Icmp))));

    public static readonly EquatableList<FilterAction> FilterActions = EquatableList.Of(
        new FilterAction(Permit, "Permit unsecured IP packets to pass through.", FilterActionKind.Permit, EquatableList.Empty<SecurityMethod>()),
        new FilterAction(
            RequestSecurity,
            "Accepts unsecured communication, but requests clients to establish trust and security methods. Will communicate insecurely to untrusted clients if they do not respond to the request.",
            FilterActionKind.Negotiate,
            SecurityMethod.High.Concat(SecurityMethod.Medium).ToEquatableList(),
            AcceptUnsecured: true,
            AllowFallbackToClear: true),

        // AcceptUnsecured is on, as in Windows 2000: a Client's clear first packet is accepted and the reply
        // starts IKE; without it Client -> Secure Server (the walkthrough's exercise) could never connect.
        new FilterAction(
            RequireSecurity,
            "Accepts unsecured communication, but always requires clients to establish trust and security methods. Will NOT communicate with untrusted clients.",
            FilterActionKind.Negotiate,
            SecurityMethod.High.Concat(SecurityMethod.Medium).ToEquatableList(),
            AcceptUnsecured: true,
            AllowFallbackToClear: false));

    public static readonly EquatableList<IpsecPolicy> Policies = EquatableList.Of(
        IpsecPolicy.Create(
            Client,
            "Communicate normally (unsecured). Use the default response rule to negotiate with servers that request security."),
        IpsecPolicy.Create(
            Server,
            "For all IP traffic, always request security using Kerberos trust. Allow unsecured communication with clients that do not respond to the request.")
            with
        { Rules = EquatableList.Of(new Rule(AllIpTraffic, RequestSecurity, EquatableList.Of(AuthenticationMethod.Kerberos))) },
        IpsecPolicy.Create(
            SecureServer,
            "For all IP traffic, always require security using Kerberos trust. Do NOT allow unsecured communication with untrusted clients.")
            with
        { Rules = EquatableList.Of(new Rule(AllIpTraffic, RequireSecurity, EquatableList.Of(AuthenticationMethod.Kerberos))) });

    public static readonly PolicySnapshot Snapshot = new(Policies, FilterLists, FilterActions, null);
}
