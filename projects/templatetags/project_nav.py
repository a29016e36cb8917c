"""`{% portfolio_visible current as show %}`: whether the projects navigation links the directors'
portfolio for this agent (a sponsor or a department head; the page stays reachable by its address)."""

from django import template

from ..agent import may_see_portfolio

register = template.Library()


@register.simple_tag(takes_context=True)
def portfolio_visible(context, current=""):
    # On the portfolio itself the link names the current page: no query to ask.
    return current == "portfolio" or may_see_portfolio(context["request"].user)
