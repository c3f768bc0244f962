namespace Rampart.Core.Policy;

/// <summary>
/// The default response rule: when a peer requests security and no rule of the policy matches, respond with
/// Kerberos and the High then Medium methods. It is a rule like any other, over the dynamic filter list
/// (the requesting peer's address, learned at negotiation), so IKE builds its responder proposals from it.
/// </summary>
public static class DefaultResponse
{
    public const string FilterListName = "<Dynamic>";

    public const string FilterActionName = "Default Response";

    public static readonly FilterAction FilterAction = new(
        FilterActionName,
        "Respond to requests for security",
        FilterActionKind.Negotiate,
        SecurityMethod.High.Concat(SecurityMethod.Medium).ToEquatableList());

    public static readonly Rule Rule = new(FilterListName, FilterActionName, EquatableList.Of(AuthenticationMethod.Kerberos));
}
