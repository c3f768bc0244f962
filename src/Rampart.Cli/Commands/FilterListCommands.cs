using System.CommandLine;
using Rampart.Core.Policy;

namespace Rampart.Cli.Commands;

/// <summary><c>rampart filterlist ...</c>: list, show, create, delete.</summary>
internal static class FilterListCommands
{
    public static Command Create() => new("filterlist", "Manage filter lists (named, reusable sets of filters)")
    {
        List(), Show(), CreateList(), Delete(),
    };

    private static Command List()
    {
        var json = Cli.JsonOption();
        var command = new Command("list", "List the filter lists") { json };
        command.SetAction(parse =>
        {
            var snapshot = Cli.Load();
            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer =>
                {
                    writer.WriteStartArray();
                    foreach (var list in snapshot.FilterLists)
                    {
                        PolicyJsonWriter.WriteFilterList(writer, list);
                    }

                    writer.WriteEndArray();
                });
            }

            Cli.WriteTable(["NAME", "FILTERS", "DESCRIPTION"],
                snapshot.FilterLists.Select(l => new[] { l.Name, l.Filters.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), l.Description }));
            return CliRunner.Success;
        });
        return command;
    }

    private static Command Show()
    {
        var name = new Argument<string>("name") { Description = "Filter list name" };
        var json = Cli.JsonOption();
        var command = new Command("show", "Show a filter list and its filters") { name, json };
        command.SetAction(parse =>
        {
            if (!Cli.Load().TryResolveFilterList(parse.GetValue(name)!, out var list, out var error))
            {
                return Cli.Fail(error);
            }

            if (parse.GetValue(json))
            {
                return Cli.WriteJson(writer => PolicyJsonWriter.WriteFilterList(writer, list));
            }

            Display.WriteFilterList(list, "");
            return CliRunner.Success;
        });
        return command;
    }

    private static Command CreateList()
    {
        var name = new Argument<string>("name") { Description = "Filter list name" };
        var description = new Option<string>("--description") { Description = "What the list matches", DefaultValueFactory = _ => "" };
        var command = new Command("create", "Create an empty filter list; add filters with 'rampart filter add'") { name, description };
        command.SetAction(parse => Cli.Update(s => PolicyEditor.CreateFilterList(s, parse.GetValue(name)!, parse.GetValue(description)!)));
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("name") { Description = "Filter list name" };
        var command = new Command("delete", "Delete a filter list no rule uses") { name };
        command.SetAction(parse => Cli.Update(s => PolicyEditor.DeleteFilterList(s, parse.GetValue(name)!)));
        return command;
    }
}
