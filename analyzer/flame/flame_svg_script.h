/*
 * flame_svg_script.h - the JavaScript of the SVG flame graph (a function
 * expression taking the document's id prefix).  Read-only data.
 */
#ifndef BBX_FLAME_SVG_SCRIPT_H
#define BBX_FLAME_SVG_SCRIPT_H

extern const char flame_svg_script[];

#endif
