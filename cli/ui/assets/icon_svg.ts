/**
 * The page's icon (a hexagon cell), inline SVG so nothing is fetched from elsewhere.
 *
 * @module
 */

/** `icon.svg`. */
export const ICON_SVG =
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path d="M16 2 28 9v14l-12 7L4 23V9z" fill="#d98e04"/><circle cx="16" cy="16" r="5" fill="#fff"/></svg>
`;
