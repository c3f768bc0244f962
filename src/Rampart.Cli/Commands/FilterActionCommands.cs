using System.CommandLine;
using Rampart.Core.Policy;

namespace Rampart.Cli.Commands;

/// <summary><c>rampart filteraction ...</c>: list, show, create, delete.</summary>
internal static class FilterActionCommands
{
    public static Command Create() => new("filteraction", "Manage filter actions (permit, block or negotiate security)")
    {
        List(), Show(), CreateAction(), Delete(),
    };

    private static Command List()
    {
        var json = Cli.JsonOption();
        var command = new Command("list", "List the filter actions") { json };
        command.SetAction(parse =>
        {
            var snapshot = Cli.Load();
            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var action in snapshot.FilterActions)
                    {
                        PolicyJsonWriter.WriteFilterAction(writer, action);
                    }

                    writer.WriteEndArray();
                });
            }

            Cli.WriteTable(["NAME", "ACTION", "METHODS"], snapshot.FilterActions.Select(a => new[]
            {
                a.Name, Display.Kind(a), string.Join(", ", a.SecurityMethods.Select(m => m + Cli.Legacy(m.IsLegacy))),
            }));
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "Filter action name" };
        var json = Cli.JsonOption();
        var command = new Command("show", "Show a filter action and its security methods") { name, json };
        command.SetAction(parse =>
        {
            if (!Cli.Load().TryResolveFilterAction(parse.GetValue(name)!, out var action, out var error))
            {
                return Cli.Fail(error);
            }

            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer => PolicyJsonWriter.WriteFilterAction(writer, action));
            }

            Display.WriteFilterAction(action, "");
            return CliRunner.Success;
        });
        return command;
    }

    private static Command CreateAction()
    {
        var name = new Argument<string>("name") { Description = "Filter action name" };
        var permit = new Option<bool>("--permit") { Description = "Let matching packets pass in clear" };
        var block = new Option<bool>("--block") { Description = "Drop matching packets" };
        var negotiate = new Option<bool>("--negotiate") { Description = "Negotiate security for matching packets" };
        var methods = new Option<string[]>("--method")
        {
            Description = "Security method, in order of preference: high, medium, or PROTOCOL:ALGORITHMS[@SECONDS[s]][@KILOBYTESkb] e.g. esp:aes-cbc-256/sha256@3600s (default: high then medium)",
            HelpName = "high|medium|CUSTOM",
        };
        var fallback = new Option<bool>("--fallback") { Description = "Allow unsecured communication with non-IPsec-aware computers" };
        var acceptUnsecured = new Option<bool>("--accept-unsecured") { Description = "Accept unsecured communication, but always respond using IPsec" };
        var pfs = new Option<bool>("--pfs") { Description = "Session key perfect forward secrecy" };
        var description = new Option<string>("--description") { Description = "What the action is for", DefaultValueFactory = _ => "" };
        var command = new Command("create", "Create a filter action")
        {
            name, permit, block, negotiate, methods, fallback, acceptUnsecured, pfs, description,
        };
        command.SetAction(parse =>
        {
            var kinds = new[] { (permit, FilterActionKind.Permit), (block, FilterActionKind.Block), (negotiate, FilterActionKind.Negotiate) }
                .Where(k => parse.GetValue(k.Item1)).Select(k => k.Item2).ToList();
            if (kinds.Count != 1)
            {
                return Cli.Usage("give exactly one of --permit, --block or --negotiate");
            }

            var securityMethods = new List<SecurityMethod>();
            var methodTexts = parse.GetValue(methods) ?? [];
            if (kinds[0] == FilterActionKind.Negotiate && methodTexts.Length == 0)
            {
                methodTexts = ["high", "medium"];
            }

            foreach (var text in methodTexts)
            {
                if (!SecurityMethod.TryParse(text, out var parsed, out var error))
                {
                    return Cli.Usage(error);
                }

                securityMethods.AddRange(parsed);
            }

            var action = new FilterAction(parse.GetValue(name)!, parse.GetValue(description)!, kinds[0], securityMethods.ToEquatableList(),
                parse.GetValue(acceptUnsecured), parse.GetValue(fallback), parse.GetValue(pfs));
            return Cli.Update(s => PolicyEditor.CreateFilterAction(s, action));
        });
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("name") { Description = "Filter action name" };
        var command = new Command("delete", "Delete a filter action no rule uses") { name };
        command.SetAction(parse => Cli.Update(s => PolicyEditor.DeleteFilterAction(s, parse.GetValue(name)!)));
        return command;
    }
}
